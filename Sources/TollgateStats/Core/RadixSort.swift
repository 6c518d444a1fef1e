/// Sorting of large arrays of finite doubles by LSD radix sort on order-preserving 64-bit keys
/// (sign bit flipped for positives, all bits flipped for negatives), 11 bits per pass: several
/// times faster than a comparison sort on millions of values. Small arrays use the standard sort.
enum RadixSort {
    static func sorted(_ values: [Double]) -> [Double] {
        let n = values.count
        if n < 4096 { return values.sorted() }
        var keys = values.map { v -> UInt64 in
            let bits = v.bitPattern
            return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
        }
        var buffer = [UInt64](repeating: 0, count: n)
        let radix = 11, buckets = 1 << radix, mask = UInt64(buckets - 1)
        var counts = [Int](repeating: 0, count: buckets)
        var shift: UInt64 = 0
        while shift < 64 {
            for i in 0..<buckets { counts[i] = 0 }
            keys.withUnsafeBufferPointer { k in
                for key in k { counts[Int((key >> shift) & mask)] += 1 }
            }
            // Skip a pass where every key has the same digit.
            if counts.contains(n) { shift += UInt64(radix); continue }
            var total = 0
            for i in 0..<buckets {
                let c = counts[i]
                counts[i] = total
                total += c
            }
            keys.withUnsafeBufferPointer { k in
                buffer.withUnsafeMutableBufferPointer { out in
                    counts.withUnsafeMutableBufferPointer { offsets in
                        for key in k {
                            let digit = Int((key >> shift) & mask)
                            out[offsets[digit]] = key
                            offsets[digit] += 1
                        }
                    }
                }
            }
            swap(&keys, &buffer)
            shift += UInt64(radix)
        }
        return keys.map { key in
            Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
        }
    }
}
