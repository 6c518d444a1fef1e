/// Brent's root finder exactly as R's `zeroin` (`R_zeroin2` in src/library/stats/src/zeroin.c),
/// the routine behind `uniroot`; Kayenta's `KayentaBrentSolver` is a port of the same code.
/// Reproducing its iteration matters: the judge's interval endpoints are roots of a step
/// function, so a different solver lands on a different point of the same step.
enum RootFinding {
    static func zeroin(_ f: (Double) -> Double, _ ax: Double, _ bx: Double,
                       fa faIn: Double, fb fbIn: Double, tolerance: Double, maxIterations: Int = 1000) -> Double {
        var a = ax, b = bx, fa = faIn, fb = fbIn
        var c = a, fc = fa
        if fa == 0 { return a }
        if fb == 0 { return b }
        var remaining = maxIterations + 1
        while remaining > 0 {
            remaining -= 1
            let prevStep = b - a
            if abs(fc) < abs(fb) {
                a = b; b = c; c = a
                fa = fb; fb = fc; fc = fa
            }
            let tolAct = 2 * Double.ulpOfOne * abs(b) + tolerance / 2
            var newStep = (c - b) / 2
            if abs(newStep) <= tolAct || fb == 0 { return b }
            if abs(prevStep) >= tolAct && abs(fa) > abs(fb) {
                var p: Double, q: Double
                let cb = c - b
                if a == c {
                    let t1 = fb / fa
                    p = cb * t1
                    q = 1 - t1
                } else {
                    q = fa / fc
                    let t1 = fb / fc, t2 = fb / fa
                    p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1))
                    q = (q - 1) * (t1 - 1) * (t2 - 1)
                }
                if p > 0 { q = -q } else { p = -p }
                if p < (0.75 * cb * q - abs(tolAct * q) / 2) && p < abs(prevStep * q / 2) {
                    newStep = p / q
                }
            }
            if abs(newStep) < tolAct { newStep = newStep > 0 ? tolAct : -tolAct }
            a = b; fa = fb
            b += newStep
            fb = f(b)
            if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) { c = a; fc = fa }
        }
        return b
    }
}
