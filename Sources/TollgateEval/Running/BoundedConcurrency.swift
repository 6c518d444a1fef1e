/// Runs `body` on every item with at most `limit` running at once; results keep the input order.
func boundedMap<T: Sendable, R: Sendable>(_ items: [T], limit: Int,
                                          _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
    var results = [R?](repeating: nil, count: items.count)
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var next = 0
        func launch() {
            let index = next
            let item = items[index]
            group.addTask { (index, try await body(item)) }
            next += 1
        }
        while next < min(max(limit, 1), items.count) { launch() }
        while let (index, value) = try await group.next() {
            results[index] = value
            if next < items.count { launch() }
        }
    }
    return results.map { $0! }
}
