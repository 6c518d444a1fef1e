import Testing
import TollgateCore
import TollgateTraffic
@testable import TollgateEval

@Suite("Eval targets from model versions")
struct EvalTargetTests {
    @Test func aVersionBecomesAnEndpointWithTheKeyFromTheEnvironment() throws {
        let version = ModelVersion(version: "2.4.0", endpoint: "http://127.0.0.1:8002/v1", modelID: "m", apiKeyEnv: "CAND_KEY",
                                   headers: ["X-Team": "a"])
        let target = try EvalTarget(version, api: .completions, environment: ["CAND_KEY": "secret"])
        #expect(target.version == "2.4.0")
        #expect(target.endpoint == ModelEndpoint(url: "http://127.0.0.1:8002/v1", api: .completions, model: "m",
                                                 headers: ["X-Team": "a"], apiKey: "secret"))
    }

    @Test func aMissingAPIKeyIsBadInputNotAnEndpointFailure() {
        let version = ModelVersion(version: "2.4.0", endpoint: "http://127.0.0.1:8002/v1", apiKeyEnv: "CAND_KEY")
        for environment in [[:], ["CAND_KEY": ""]] {
            #expect(throws: EvalError.missingAPIKey(variable: "CAND_KEY", purpose: "the API key of version 2.4.0")) {
                try EvalTarget(version, environment: environment)
            }
        }
        #expect(EvalError.missingAPIKey(variable: "CAND_KEY", purpose: "x").isBadInput)
    }

}
