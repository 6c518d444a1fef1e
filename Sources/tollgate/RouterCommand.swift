import ArgumentParser
import AsyncHTTPClient
import Foundation
import TollgateCore
import TollgateEngine

/// `tollgate router`: sets or reads the candidate's traffic share through any router, by hand
/// (the rollout engine drives the same routers).
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Set or read the candidate's traffic share through a router (gateway, HAProxy, Kubernetes, command).",
        subcommands: [SetWeight.self, GetWeight.self]
    )

    struct SetWeight: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-weight",
            abstract: "Send WEIGHT percent of traffic to the candidate.",
            discussion: "With --type kubernetes --dry-run the kubectl command and patch are printed and nothing is applied."
        )
        @Argument(help: "The candidate's share in percent (0-100).")
        var weight: Int
        @OptionGroup var router: RouterOptions

        func validate() throws {
            guard (0...100).contains(weight) else { throw ValidationError("WEIGHT must be a percentage from 0 to 100; got \(weight).") }
        }

        func run() async throws {
            try await router.withRouter { router in
                let receipt = try await router.setWeight(weight)
                print(receipt.detail)
            }
        }
    }

    struct GetWeight: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get-weight", abstract: "Print the candidate's current share in percent.")
        @OptionGroup var router: RouterOptions

        func run() async throws {
            try await router.withRouter { router in
                if let weight = try await router.currentWeight() {
                    print(weight)
                } else {
                    print("unknown (\(router.summary) cannot read the weight back)")
                }
            }
        }
    }
}

/// The options that choose and configure a router.
struct RouterOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case gateway, haproxy, kubernetes, command }
    enum Resource: String, ExpressibleByArgument, CaseIterable { case httproute, virtualservice, inferenceservice }

    @Option(name: .customLong("type"), help: "The router: gateway, haproxy, kubernetes or command.")
    var kind: Kind

    @Option(help: ArgumentHelp("gateway: the gateway's base URL.", valueName: "url"))
    var admin = "http://127.0.0.1:9100"
    @Option(help: "gateway: environment variable holding the admin token.")
    var adminTokenEnv = "TOLLGATE_ADMIN_TOKEN"

    @Option(help: "haproxy: path of the admin socket (stats socket ... level admin).")
    var socket: String?
    @Option(help: "haproxy: the backend holding both servers.")
    var backend = "models"
    @Option(help: "haproxy: the baseline server's name; kubernetes: the baseline backendRef's name.")
    var baselineServer = "baseline"
    @Option(help: "haproxy: the candidate server's name; kubernetes: the candidate backendRef's name.")
    var candidateServer = "candidate"

    @Option(help: "kubernetes: httproute, virtualservice or inferenceservice.")
    var resource: Resource?
    @Option(help: "kubernetes: the object's name.")
    var name: String?
    @Option(help: "kubernetes: the namespace (default: kubectl's).")
    var namespace: String?
    @Option(help: "kubernetes: the kubectl context (default: the current one).")
    var context: String?
    @Option(help: "kubernetes: index of the HTTPRoute rule or VirtualService http route holding the split.")
    var routeIndex = 0
    @Option(help: "kubernetes: position of the baseline in the backendRefs/route list.")
    var baselineIndex = 0
    @Option(help: "kubernetes: position of the candidate in the backendRefs/route list.")
    var candidateIndex = 1
    @Option(help: "kubernetes (Istio): destination host of both arms.")
    var host: String?
    @Option(help: "kubernetes (Istio): the baseline destination's subset.")
    var baselineSubset: String?
    @Option(help: "kubernetes (Istio): the candidate destination's subset.")
    var candidateSubset: String?
    @Option(help: "kubernetes: the kubectl executable.")
    var kubectl = "kubectl"
    @Flag(help: "kubernetes: print the kubectl command and patch instead of applying it.")
    var dryRun = false

    @Option(help: "command: shell command that sets the weight, with {weight} and/or {baseline_weight}.")
    var setCommand: String?
    @Option(help: "command: shell command that prints the candidate's current percent.")
    var readCommand: String?
    @Option(help: "command, kubernetes: time limit for each command run, in seconds.")
    var timeout = 60

    func validate() throws {
        switch kind {
        case .haproxy where socket == nil:
            throw ValidationError("--type haproxy needs --socket, the path of HAProxy's admin socket.")
        case .kubernetes where resource == nil || name == nil:
            throw ValidationError("--type kubernetes needs --resource (httproute, virtualservice or inferenceservice) and --name.")
        case .kubernetes where resource == .virtualservice && host == nil:
            throw ValidationError("--resource virtualservice needs --host, the destination host of both arms.")
        case .command where setCommand == nil:
            throw ValidationError("--type command needs --set-command, a shell command containing {weight}.")
        case .gateway where ProcessInfo.processInfo.environment[adminTokenEnv]?.isEmpty ?? true:
            throw ValidationError("Set \(adminTokenEnv) to the gateway's admin token (or name another variable with --admin-token-env).")
        default:
            break
        }
    }

    /// Builds the router, runs `body` with it, and releases what it used.
    func withRouter(_ body: (any TrafficRouter) async throws -> Void) async throws {
        // The admin token's presence is checked in validate(); the router rule lives in RouterConfig.
        try await ProcessHTTPClient.with(concurrency: 1) { client in
            try await body(try config.makeRouter(client: client, dryRun: dryRun))
        }
    }

    /// The router these options describe.
    private var config: RouterConfig {
        switch kind {
        case .gateway:
            return RouterConfig(.gateway(.init(admin: admin, tokenEnv: adminTokenEnv)))
        case .haproxy:
            return RouterConfig(.haproxy(.init(socket: socket!, backend: backend, baselineServer: baselineServer, candidateServer: candidateServer)))
        case .kubernetes:
            let resource = RouterConfig.Kubernetes.Resource(rawValue: resource!.rawValue)!
            let arm = { (name: String, index: Int, subset: String?) in
                RouterConfig.Kubernetes.Backend(name: resource == .virtualservice ? host! : name, index: index, subset: subset)
            }
            return RouterConfig(.kubernetes(.init(resource: resource, name: name!, namespace: namespace, context: context, routeIndex: routeIndex,
                                                  baseline: arm(baselineServer, baselineIndex, baselineSubset),
                                                  candidate: arm(candidateServer, candidateIndex, candidateSubset),
                                                  kubectl: kubectl, timeout: .seconds(timeout))))
        case .command:
            return RouterConfig(.command(.init(command: setCommand!, readCommand: readCommand, timeout: .seconds(timeout))))
        }
    }
}
