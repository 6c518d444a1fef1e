import Foundation
import Hummingbird
import TollgateEngine
import TollgateReport
import TollgateStore

/// The run's JSON as `GET /v1/runs/{id}` answers it: the engine's ``RunReport`` with a `report`
/// link to the run's HTML report.
struct RunWithReportLink: Encodable {
    var run: RunReport

    enum LinkKey: String, CodingKey { case report }

    func encode(to encoder: any Encoder) throws {
        try run.encode(to: encoder)
        var container = encoder.container(keyedBy: LinkKey.self)
        try container.encode("/v1/runs/\(run.run.id)/report", forKey: .report)
    }
}

/// `GET /v1/runs/{id}/report`: the run's self-contained HTML report.
enum RunReportRoute {
    static func html(id: String, store: RunStore) -> Response {
        do {
            return ServiceResponse.text(try RunReports.render(runID: id, store: store, format: .html), contentType: "text/html; charset=utf-8")
        } catch StoreError.runNotFound {
            return ServiceResponse.error(.notFound, code: "not_found", "No run with id '\(id)'.")
        } catch StoreError.ambiguousRun(_, let matches) {
            return ServiceResponse.error(.notFound, code: "ambiguous", "'\(id)' matches \(matches.count) runs; give the whole id.")
        } catch {
            return ServiceResponse.error(.internalServerError, code: "report", "The report could not be built: \(error)")
        }
    }
}
