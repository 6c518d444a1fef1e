import Testing
import TollgateStats

@Suite struct StatsErrorTests {
    @Test func messagesNameTheProblem() {
        #expect(StatsError.nonFiniteInput(name: "baseline").description.contains("baseline contains NaN"))
        #expect(StatsError.notEnoughData(name: "x", needed: 2, got: 1).description == "x needs at least 2 values, got 1.")
    }
}
