import Foundation
import TollgateCore

/// Deterministic text embeddings: hashed character trigrams (the "hashing trick", Weinberger et
/// al. 2009) counted into a fixed number of signed buckets and L2-normalized, so texts that share
/// many trigrams have a high cosine similarity.
struct Embedder: Sendable {
    let dimensions: Int
    let seed: UInt64

    func embed(_ text: String) -> [Double] {
        var vector = [Double](repeating: 0, count: dimensions)
        let scalars = Array(" \(text.lowercased()) ".unicodeScalars)
        if scalars.count >= 3 {
            for i in 0...(scalars.count - 3) {
                let gram = String(String.UnicodeScalarView(scalars[i..<(i + 3)]))
                var random = SeededRandom(seed: seed, keys: "embedding", gram)
                let bits = random.next()
                let index = Int(bits % UInt64(dimensions))
                vector[index] += (bits >> 63) == 0 ? 1 : -1
            }
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else {
            vector[0] = 1
            return vector
        }
        return vector.map { $0 / norm }
    }
}
