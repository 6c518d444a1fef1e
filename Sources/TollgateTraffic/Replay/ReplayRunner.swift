import Foundation
import TollgateCore

/// Replays a recorded traffic file against one endpoint (replay) or two (shadow), under a load
/// shape, with bounded in-flight work, and summarizes what it measured.
///
/// Memory stays flat: the file is read line by line, at most the in-flight bound of requests
/// exist at once, samples leave in batches through the ``SampleSink``, and summaries are
/// constant-size histograms.
public struct ReplayRunner: Sendable {
    public let targets: [ReplayTarget]
    public let configuration: ReplayConfiguration
    public let sink: (any SampleSink)?
    public let progress: (@Sendable (ReplayProgress) -> Void)?

    public init(targets: [ReplayTarget], configuration: ReplayConfiguration, sink: (any SampleSink)? = nil,
                progress: (@Sendable (ReplayProgress) -> Void)? = nil) {
        self.targets = targets
        self.configuration = configuration
        self.sink = sink
        self.progress = progress
    }

    private enum Event: Sendable {
        case completed(Completed)
        case stopRequested
        case graceExpired
    }

    private struct Completed: Sendable {
        var warmup: Bool
        var results: [ModelResult]
        var firstArm: Arm?
    }

    /// Runs the replay until the file ends, a bound is reached or `stop` is raised.
    /// Throws only for an unreadable file, bad configuration or a failing sink.
    public func run(trafficPath: String, stop: StopSignal = StopSignal(), expectedTotal: Int? = nil) async throws -> ReplayReport {
        try configuration.validate()
        guard !targets.isEmpty else { throw TrafficError.invalidOption("Replay needs at least one endpoint.") }
        var state = RunState(targets: targets, configuration: configuration, total: expectedTotal)
        var reader = try TrafficReader(path: trafficPath)
        let start = ContinuousClock.now
        let durationEnd = configuration.duration.map { start.advanced(by: $0) }
        var arrivals = ReplayRandom(seed: configuration.seed, key: "arrivals")
        var nextArrival = start
        var firstTs: Double?
        var cycle = 0
        var cycleHadRequests = false
        let limit = configuration.inFlightLimit

        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                await stop.wait()
                return .stopRequested
            }
            var active = 0
            var graceArmed = false

            func handle(_ event: Event) async {
                switch event {
                case .completed(let c):
                    active -= 1
                    await state.process(c.results, warmup: c.warmup, firstArm: c.firstArm, sink: sink, progress: progress, start: start)
                case .stopRequested, .graceExpired:
                    break
                }
            }

            dispatch: while !stop.isStopped, state.sinkError == nil {
                if let end = durationEnd, ContinuousClock.now >= end { break }
                if let n = configuration.requestLimit, state.dispatchedMeasured >= n { break }
                guard let entry = reader.next() else {
                    let bounded = configuration.requestLimit != nil || configuration.duration != nil
                    guard configuration.repeatTraffic, bounded, cycleHadRequests,
                          let again = try? TrafficReader(path: trafficPath) else { break }
                    reader = again
                    cycle += 1
                    cycleHadRequests = false
                    firstTs = nil
                    continue
                }
                guard case .request(let request) = entry else {
                    if case .malformed(let bad) = entry, cycle == 0 { state.recordMalformed(bad) }
                    continue
                }
                cycleHadRequests = true
                // When this request is due.
                var due: ContinuousClock.Instant?
                switch configuration.shape {
                case .closedLoop:
                    break
                case .openLoop(let rate, let shape):
                    nextArrival = nextArrival.advanced(by: .nanoseconds(Int64(arrivals.interArrival(rate: rate, arrivals: shape) * 1e9)))
                    due = nextArrival
                case .recorded(let speed):
                    if let ts = request.ts {
                        if firstTs == nil { firstTs = ts - DurationText.seconds(ContinuousClock.now - start) * speed }
                        due = start.advanced(by: .nanoseconds(Int64(max(0, ts - firstTs!) / speed * 1e9)))
                    }
                }
                if let due {
                    if let end = durationEnd, due > end { break dispatch }
                    if !(await stop.sleep(until: due)) { break dispatch }
                }
                // Backpressure: wait for a slot.
                while active >= limit {
                    guard let event = await group.next() else { break }
                    if case .stopRequested = event { break dispatch }
                    await handle(event)
                }
                if let due, ContinuousClock.now - due > .milliseconds(1) { state.lateDispatches += 1 }
                let warmup = state.dispatched < configuration.warmupRequests
                state.noteDispatch(warmup: warmup)
                let id = cycle > 0 ? "\(request.id)~\(cycle)" : request.id
                let body = configuration.overrides.apply(to: request.body)
                let targets = self.targets
                let seed = configuration.seed
                group.addTask {
                    await Self.execute(body: body, id: id, tags: request.tags, warmup: warmup, targets: targets, seed: seed)
                }
                active += 1
            }

            // Drain: everything in flight finishes, unless a stop signal starts the grace period.
            while active > 0 {
                if stop.isStopped, !graceArmed {
                    graceArmed = true
                    let grace = configuration.gracePeriod
                    group.addTask {
                        try? await Task.sleep(for: grace)
                        return .graceExpired
                    }
                }
                guard let event = await group.next() else { break }
                if case .graceExpired = event {
                    state.abandoned = active
                    break
                }
                await handle(event)
            }
            group.cancelAll()
        }
        await state.flush(sink: sink)
        if let error = state.sinkError { throw TrafficError.sinkFailed("\(error)") }
        return state.report(interrupted: stop.isStopped, elapsed: DurationText.seconds(ContinuousClock.now - start))
    }

    /// Sends one request to every target; with two, in a seeded random order (both start at once).
    private static func execute(body: JSONValue, id: String, tags: [String], warmup: Bool,
                                targets: [ReplayTarget], seed: UInt64) async -> Event {
        if targets.count == 1 {
            let result = await targets[0].sender.send(body, requestID: id, arm: targets[0].arm, tags: tags)
            return .completed(Completed(warmup: warmup, results: [result], firstArm: nil))
        }
        var random = ReplayRandom(seed: seed, key: "order:" + id)
        let order = Array(targets.indices).shuffled(using: &random)
        let results = await withTaskGroup(of: (Int, ModelResult).self) { group in
            for i in order {
                let target = targets[i]
                group.addTask { (i, await target.sender.send(body, requestID: id, arm: target.arm, tags: tags)) }
            }
            var collected: [(Int, ModelResult)] = []
            for await r in group { collected.append(r) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return .completed(Completed(warmup: warmup, results: results, firstArm: targets[order[0]].arm))
    }
}

/// The mutable bookkeeping of one run, owned by the dispatching task.
private struct RunState {
    let configuration: ReplayConfiguration
    let total: Int?
    var measured: [Arm: ArmAccumulator] = [:]
    var warm: [Arm: ArmAccumulator] = [:]
    let armOrder: [Arm]
    var batch: [Sample] = []
    var malformed: [MalformedLine] = []
    var malformedCount = 0
    var dispatched = 0
    var dispatchedMeasured = 0
    var lateDispatches = 0
    var abandoned = 0
    var firstSent: [String: Int] = [:]
    var done = 0
    var errors = 0
    var sinkError: (any Error)?
    var firstMeasured: ContinuousClock.Instant?
    var lastMeasured: ContinuousClock.Instant?
    var lastProgress: ContinuousClock.Instant?

    init(targets: [ReplayTarget], configuration: ReplayConfiguration, total: Int?) {
        self.configuration = configuration
        self.total = total
        armOrder = targets.map(\.arm)
        for t in targets {
            measured[t.arm] = ArmAccumulator(arm: t.arm)
            warm[t.arm] = ArmAccumulator(arm: t.arm)
        }
    }

    mutating func recordMalformed(_ line: MalformedLine) {
        malformedCount += 1
        if malformed.count < 100 { malformed.append(line) }
    }

    mutating func noteDispatch(warmup: Bool) {
        dispatched += 1
        if !warmup {
            dispatchedMeasured += 1
            if firstMeasured == nil { firstMeasured = .now }
        }
    }

    mutating func process(_ results: [ModelResult], warmup: Bool, firstArm: Arm?, sink: (any SampleSink)?,
                          progress: (@Sendable (ReplayProgress) -> Void)?, start: ContinuousClock.Instant) async {
        done += 1
        if let firstArm { firstSent[firstArm.rawValue, default: 0] += 1 }
        let goodput = configuration.goodput
        // A request cut by our own cancellation measured nothing about the model.
        for result in results where !result.cancelled {
            let sample = result.sample
            if sample.errorClass != nil { errors += 1 }
            if warmup {
                warm[sample.arm]?.add(sample, goodput: goodput)
            } else {
                measured[sample.arm]?.add(sample, goodput: goodput)
                batch.append(sample)
            }
        }
        if !warmup { lastMeasured = .now }
        if batch.count >= configuration.batchSize { await flush(sink: sink) }
        if let progress {
            let now = ContinuousClock.now
            if lastProgress.map({ now - $0 >= .milliseconds(200) }) ?? true {
                lastProgress = now
                progress(ReplayProgress(done: done, total: total, errors: errors,
                                        elapsedSeconds: DurationText.seconds(now - start)))
            }
        }
    }

    mutating func flush(sink: (any SampleSink)?) async {
        guard !batch.isEmpty else { return }
        defer { batch.removeAll(keepingCapacity: true) }
        guard let sink, sinkError == nil else { return }
        do { try await sink.write(batch) } catch { sinkError = error }
    }

    func report(interrupted: Bool, elapsed: Double) -> ReplayReport {
        let window = firstMeasured.flatMap { first in lastMeasured.map { DurationText.seconds($0 - first) } } ?? 0
        let warmWindow = elapsed - window
        return ReplayReport(
            arms: armOrder.compactMap { measured[$0]?.summary(elapsedSeconds: window, goodput: configuration.goodput) },
            warmup: configuration.warmupRequests > 0
                ? armOrder.compactMap { warm[$0]?.summary(elapsedSeconds: warmWindow, goodput: configuration.goodput) } : [],
            malformedLines: malformed, malformedCount: malformedCount, dispatched: dispatched,
            lateDispatches: lateDispatches, interrupted: interrupted, abandoned: abandoned,
            firstSent: firstSent, elapsedSeconds: elapsed)
    }
}
