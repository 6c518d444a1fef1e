import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
@testable import TollgateSimulator

/// The OpenAI request fields the simulator answers the way OpenAI does: tools and tool_choice,
/// response_format, n, the embeddings' dimensions and encoding_format, and GET /v1/models/{id}.
@Suite("Simulator: OpenAI request features")
struct OpenAIFeatureTests {
    let sim = SimulatorTests()

    static let weatherTool = #"{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}}}"#

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    @Test func toolsGetAToolCallAnswer() async throws {
        try await sim.withSim(.instant()) { s, http in
            let (status, body, _) = try await sim.call(http, s.baseURL + "/chat/completions",
                                                       json: SimulatorTests.chat("Weather in Paris?", extra: #","tools":[\#(Self.weatherTool)]"#))
            #expect(status == 200, "\(body)")
            let choice = try #require((try object(body)["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "tool_calls")
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["content"] is NSNull)
            let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
            #expect(call["type"] as? String == "function")
            let function = try #require(call["function"] as? [String: Any])
            #expect(function["name"] as? String == "get_weather")
            let arguments = try object(try #require(function["arguments"] as? String))
            #expect(arguments["city"] is String)
            #expect(arguments["days"] as? Int == 1)
        }
    }

    @Test func toolChoiceNoneAnswersTextAndAnUnknownNamedFunctionIsRefused() async throws {
        try await sim.withSim(.instant()) { s, http in
            let (_, text, _) = try await sim.call(http, s.baseURL + "/chat/completions",
                                                  json: SimulatorTests.chat("hi", extra: #","tools":[\#(Self.weatherTool)],"tool_choice":"none""#))
            #expect(!(try sim.answer(text)).isEmpty)
            let (status, refused, _) = try await sim.call(http, s.baseURL + "/chat/completions",
                                                          json: SimulatorTests.chat("hi", extra: #","tools":[\#(Self.weatherTool)],"tool_choice":{"type":"function","function":{"name":"nope"}}"#))
            #expect(status == 400)
            #expect(refused.contains("nope"))
        }
    }

    @Test func aStreamedToolCallCarriesItsArgumentsInPieces() async throws {
        try await sim.withSim(.instant()) { s, http in
            let (_, body, _) = try await sim.call(http, s.baseURL + "/chat/completions",
                                                  json: SimulatorTests.chat("Weather?", stream: true, extra: #","tools":[\#(Self.weatherTool)]"#))
            var name: String?
            var arguments = ""
            var finish: String?
            for line in body.split(separator: "\n") where line.hasPrefix("data: {") {
                let chunk = try object(String(line.dropFirst(6)))
                let choice = try #require((chunk["choices"] as? [[String: Any]])?.first)
                if let f = choice["finish_reason"] as? String { finish = f }
                let delta = choice["delta"] as? [String: Any]
                for call in delta?["tool_calls"] as? [[String: Any]] ?? [] {
                    let function = call["function"] as? [String: Any]
                    if let n = function?["name"] as? String { name = n }
                    arguments += function?["arguments"] as? String ?? ""
                }
            }
            #expect(name == "get_weather")
            #expect(finish == "tool_calls")
            #expect(try object(arguments)["city"] is String, "\(arguments)")
        }
    }

    @Test func responseFormatGetsJSON() async throws {
        try await sim.withSim(.instant()) { s, http in
            let (_, plain, _) = try await sim.call(http, s.baseURL + "/chat/completions",
                                                   json: SimulatorTests.chat("hi", extra: #","response_format":{"type":"json_object"}"#))
            #expect(try object(try sim.answer(plain))["answer"] is String)
            let schema = #"{"type":"json_schema","json_schema":{"name":"ticket","schema":{"type":"object","properties":{"priority":{"type":"string","enum":["low","high"]},"escalate":{"type":"boolean"},"tags":{"type":"array","items":{"type":"string"}}}}}}"#
            let (_, typed, _) = try await sim.call(http, s.baseURL + "/chat/completions",
                                                   json: SimulatorTests.chat("classify", extra: #","response_format":\#(schema)"#))
            let answer = try object(try sim.answer(typed))
            #expect(answer["priority"] as? String == "low")
            #expect(answer["escalate"] as? Bool == true)
            #expect((answer["tags"] as? [String])?.count == 1)
        }
    }

    @Test func nGivesThatManyChoicesWholeAndStreamed() async throws {
        try await sim.withSim(.instant()) { s, http in
            let (_, whole, _) = try await sim.call(http, s.baseURL + "/chat/completions", json: SimulatorTests.chat("hi", extra: #","n":3"#))
            let choices = try #require(try object(whole)["choices"] as? [[String: Any]])
            #expect(choices.map { $0["index"] as? Int } == [0, 1, 2])
            let (_, streamed, _) = try await sim.call(http, s.baseURL + "/chat/completions", json: SimulatorTests.chat("hi", stream: true, extra: #","n":2"#))
            var finished: Set<Int> = []
            for line in streamed.split(separator: "\n") where line.hasPrefix("data: {") {
                let choice = try #require((try object(String(line.dropFirst(6)))["choices"] as? [[String: Any]])?.first)
                if choice["finish_reason"] is String, let index = choice["index"] as? Int { finished.insert(index) }
            }
            #expect(finished == [0, 1])
            let (status, _, _) = try await sim.call(http, s.baseURL + "/chat/completions", json: SimulatorTests.chat("hi", extra: #","n":0"#))
            #expect(status == 400)
        }
    }

    @Test func embeddingsHonourDimensionsAndBase64() async throws {
        try await sim.withSim(.instant()) { s, http in
            let (_, short, _) = try await sim.call(http, s.baseURL + "/embeddings", json: #"{"model":"tollgate-sim","input":"hello","dimensions":8}"#)
            let vector = try #require(((try object(short)["data"] as? [[String: Any]])?.first)?["embedding"] as? [Double])
            #expect(vector.count == 8)
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            let (_, encoded, _) = try await sim.call(http, s.baseURL + "/embeddings",
                                                     json: #"{"model":"tollgate-sim","input":"hello","dimensions":8,"encoding_format":"base64"}"#)
            let text = try #require(((try object(encoded)["data"] as? [[String: Any]])?.first)?["embedding"] as? String)
            let bytes = try #require(Data(base64Encoded: text))
            #expect(bytes.count == 8 * 4)
            let first = bytes.prefix(4).withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
            #expect(abs(Double(first) - vector[0]) < 1e-5)
            let (tooMany, _, _) = try await sim.call(http, s.baseURL + "/embeddings", json: #"{"model":"tollgate-sim","input":"x","dimensions":100000}"#)
            #expect(tooMany == 400)
            let (badFormat, _, _) = try await sim.call(http, s.baseURL + "/embeddings", json: #"{"model":"tollgate-sim","input":"x","encoding_format":"int8"}"#)
            #expect(badFormat == 400)
        }
    }

    @Test func aModelIsFoundByItsID() async throws {
        try await sim.withSim(.instant()) { s, http in
            let (status, body, _) = try await sim.call(http, s.baseURL + "/models/tollgate-sim")
            #expect(status == 200)
            #expect(try object(body)["id"] as? String == "tollgate-sim")
            let (missing, error, _) = try await sim.call(http, s.baseURL + "/models/nope")
            #expect(missing == 404)
            #expect(error.contains("model_not_found"), "an empty 404 says nothing: \(error)")
        }
    }
}
