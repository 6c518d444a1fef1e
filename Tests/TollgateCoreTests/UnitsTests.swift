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
