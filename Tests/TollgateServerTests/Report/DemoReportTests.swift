import Foundation
import NIOHTTP1
import Testing
import TollgateDemo
import TollgateReport
import TollgateServer
import TollgateStore
import TollgateTestSupport

/// The demo's rollout, its report served by `tollgate serve`, and the report rendered in a real
/// browser (Debian's `chromium`, headless) when one is installed.
@Suite(.serialized) struct DemoReportTests {
    static let root = TollgateCLI.root

    @Test func theDemoReportIsServedWithTheAPITokenAndRendersInABrowser() async throws {
        let h = try await ServiceHarness(supervise: false)
        do {
            let outcome = try await DemoScenario.run(pipelinePath: Self.root.appendingPathComponent("pipelines/demo.yaml").path,
                                                     healthy: false, store: h.store, onProgress: nil)
            let id = outcome.runID
            #expect(try await h.request(.GET, "/v1/runs/\(id)/report", token: nil).status == 401)
            #expect(try await h.request(.GET, "/v1/runs/\(id)/report", token: "wrong").status == 401)
            #expect(try await h.request(.GET, "/v1/runs/nope/report").status == 404)
            let served = try await h.request(.GET, "/v1/runs/\(id)/report")
            #expect(served.status == 200)
            #expect(served.body.hasPrefix("<!DOCTYPE html>") && served.body.contains("data-plot=\"timeline\""))
            let run = try #require(try await h.request(.GET, "/v1/runs/\(id)").json as? [String: Any])
            #expect(run["report"] as? String == "/v1/runs/\(id)/report")
            #expect((run["run"] as? [String: Any])?["id"] as? String == id)

            let path = h.folder.path("demo-report.html")
            try RunReports.write(runID: id, store: h.store, to: path)
            try await Self.renderInBrowser(path: path, folder: h.folder)
        } catch { Issue.record(error) }
        await h.stop()
    }

    static func chromium() -> URL? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].map(URL.init(fileURLWithPath:))
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Screenshot and DOM of the report from headless Chromium: no console error, every plot drew
    /// paths, and the screenshot is not one flat colour.
    static func renderInBrowser(path: String, folder: TemporaryFolder) async throws {
        guard let browser = chromium() else {
            print("DemoReportTests: chromium is not installed (apt-get install -y --no-install-recommends chromium); skipped the browser rendering check.")
            return
        }
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking",
                      "--user-data-dir=\(folder.path("chromium-profile"))", "--enable-logging=stderr", "--v=0"]
        let url = URL(fileURLWithPath: path).absoluteString
        let dump = try ChildProcess(browser, common + ["--dump-dom", url])
        defer { dump.stop() }
        let dumpStatus = await dump.waitForExit(timeout: .seconds(120))
        #expect(dumpStatus == 0, "chromium --dump-dom: \(dump.stderr.suffix(2000))")
        let dom = dump.stdout
        let consoleErrors = dump.stderr.split(separator: "\n").filter { $0.contains("Uncaught") || $0.contains("CONSOLE") && $0.contains("rror") }
        #expect(consoleErrors.isEmpty, "console errors: \(consoleErrors)")
        #expect(dom.contains("data-plot=\"timeline\""))
        let drawn = try NSRegularExpression(pattern: #"<path class="(ecdf|weight-line)[^"]*" d="M[0-9]"#)
        #expect(drawn.numberOfMatches(in: dom, range: NSRange(dom.startIndex..., in: dom)) >= 3, "the plots drew no paths")

        let png = folder.path("report.png")
        let shot = try ChildProcess(browser, common + ["--window-size=1280,2400", "--hide-scrollbars", "--screenshot=\(png)", url])
        defer { shot.stop() }
        let shotStatus = await shot.waitForExit(timeout: .seconds(120))
        #expect(shotStatus == 0, "chromium --screenshot: \(shot.stderr.suffix(2000))")
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        let size = PNGHeader(image)
        #expect(size?.width == 1280 && size?.height == 2400)
        // A blank page compresses to almost nothing; a drawn report has many distinct bytes.
        #expect(image.count > 40_000, "screenshot is \(image.count) bytes")
        #expect(Set(image.dropFirst(64)).count > 200)
        if let keep = ProcessInfo.processInfo.environment["TOLLGATE_KEEP_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: png, toPath: keep)
        }
    }

    /// Width and height from a PNG's IHDR chunk.
    static func PNGHeader(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], bytes[12..<16] == [0x49, 0x48, 0x44, 0x52] else { return nil }
        func be(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }
}
