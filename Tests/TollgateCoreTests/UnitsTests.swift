import Foundation
import Testing
import TollgateCore

@Suite struct DurationTextTests {
    @Test func parsesEveryUnit() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("15m") == .seconds(900))
        #expect(DurationText.parse("2h") == .seconds(7200))
    }

    @Test func rejectsLooseForms() {
        for text in ["", "10", "s", "-5s", "5 sec", "1..2s", ".5s", "5s5", "abc", "5x"] {
            #expect(DurationText.parse(text) == nil, "\(text) should not parse")
        }
    }

    @Test func formatsReadably() {
        #expect(DurationText.format(.milliseconds(1500)) == "1.5s")
        #expect(DurationText.format(.milliseconds(250)) == "250ms")
        #expect(DurationText.format(.seconds(900)) == "15m")
    }
}

@Suite struct ToleranceTests {
    @Test func parsesRelativePointsAndAbsolute() {
        #expect(Tolerance.parse("10%") == .relative(0.10))
        #expect(Tolerance.parse("0.5pp") == .percentagePoints(0.5))
        #expect(Tolerance.parse("25") == .absolute(25))
        #expect(Tolerance.parse("ten") == nil)
        #expect(Tolerance.parse("10 %") == nil)
    }

    @Test func allowanceIsInTheMetricsUnit() {
        #expect(Tolerance.relative(0.10).allowance(baseline: 200) == 20)
        #expect(Tolerance.percentagePoints(0.5).allowance(baseline: 0.3) == 0.005)
        #expect(Tolerance.absolute(7).allowance(baseline: 1000) == 7)
    }
}

@Suite struct SHA256HexTests {
    @Test func matchesFIPSVectors() {
        #expect(SHA256Hex.digest(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hex.digest(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Hex.digest(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256Hex.digest(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
