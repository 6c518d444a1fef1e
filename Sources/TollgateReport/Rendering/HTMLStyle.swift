/// The report's inline stylesheet (screen and print) and its one small script (expand or
/// collapse every section), so the file reads offline and attached to a ticket.
enum HTMLStyle {
    static let css = """
    :root{--bg:#fff;--fg:#1d2330;--muted:#5d6778;--line:#d9dee7;--base:#2f6fdf;--cand:#e0662b;--shadow:#8a5cd6;--pass:#1e9e57;--hold:#d9a400;--fail:#d43c3c}
    *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
    main{max-width:1120px;margin:0 auto;padding:20px 24px 60px}h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
    h3{font-size:15px;margin:18px 0 6px}.reason{font-size:16px;padding:10px 14px;border-left:5px solid var(--muted);background:#f5f7fa;margin:10px 0}
    .outcome-rolled_back .reason,.reason.bad{border-color:var(--fail);background:#fdf0f0}.reason.good{border-color:var(--pass);background:#eef9f2}
    .meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:4px 18px;margin:8px 0;color:var(--muted)}.meta b{color:var(--fg);font-weight:600}
    code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
    th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
    th{background:#f5f7fa;font-weight:600}.badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600;color:#fff;background:var(--muted)}
    .badge.pass,.badge.promote,.badge.promoted,.badge.completed{background:var(--pass)}.badge.fail,.badge.rollback,.badge.rolled_back,.badge.failed,.badge.aborted{background:var(--fail)}
    .badge.hold,.badge.inconclusive,.badge.awaiting_approval{background:var(--hold);color:#222}.plots{display:flex;flex-wrap:wrap;gap:10px}
    svg.plot{background:#fff;border:1px solid var(--line);border-radius:4px;max-width:100%;height:auto}
    .frame{fill:none;stroke:#aab2c0}.grid{stroke:#eef0f4}.tick,.note,.mark-label{font-size:10px;fill:var(--muted)}.axis-label{font-size:11px;fill:var(--muted)}.plot-title{font-size:12px;font-weight:600;fill:var(--fg)}
    .ecdf{fill:none;stroke-width:2}.arm-baseline{stroke:var(--base);fill:var(--base)}.arm-candidate{stroke:var(--cand);fill:var(--cand)}.arm-shadow{stroke:var(--shadow);fill:var(--shadow)}
    path.ecdf{fill:none}.quantile{stroke-dasharray:3 3;stroke-width:1;opacity:.6}.weight-line{fill:none;stroke:var(--cand);stroke-width:2.5}
    .stage-band{fill:#f3f6fb}.stage-band.alt{fill:#e9eef6}.stage-line{stroke:#9aa5b8;stroke-dasharray:2 3}.check{stroke:#fff;stroke-width:1}
    .decision-promote{fill:var(--pass)}.decision-hold{fill:var(--hold)}.decision-rollback{fill:var(--fail)}
    .annotation{stroke:#6b4fb3;stroke-dasharray:4 2}.annotation-dot{fill:#6b4fb3}.kind-rolled_back,.kind-failed,.kind-aborted{stroke:var(--fail);fill:var(--fail)}.kind-alert{stroke:#b3005c;fill:#b3005c}.kind-promoted{stroke:var(--pass);fill:var(--pass)}
    .tolerance-band{fill:#e8f6ee}.tolerance-line{stroke:var(--fail);stroke-dasharray:5 3}.zero-line{stroke:#9aa5b8}.boundary{fill:none;stroke:#6b4fb3;stroke-dasharray:2 2;stroke-width:1.5}
    .interval{stroke-width:3;fill:none}.estimate{stroke:#fff}.outcome-pass{stroke:var(--pass);fill:var(--pass)}.outcome-fail{stroke:var(--fail);fill:var(--fail)}.outcome-inconclusive{stroke:var(--hold);fill:var(--hold)}.outcome-nodata{stroke:#999;fill:#999}
    circle.estimate.outcome-pass{fill:var(--pass)}circle.estimate.outcome-fail{fill:var(--fail)}circle.estimate.outcome-inconclusive{fill:var(--hold)}
    .error-bar.c0{fill:#d43c3c}.error-bar.c1{fill:#e0892b}.error-bar.c2{fill:#b3005c}.error-bar.c3{fill:#7a4fd6}.error-bar.c4{fill:#444}.error-bar.c5{fill:#0a8a8a}
    .pass-bar{opacity:.75}.drift-bar{fill:#9aa5b8}.drift-bar.drifted{fill:var(--fail)}
    tr.regression td{background:#fdf0f0}tr.improvement td{background:#eef9f2}.answer{white-space:pre-wrap;max-width:380px;max-height:9em;overflow:auto;font-size:12px}
    details{margin:6px 0}summary{cursor:pointer;font-weight:600}.journal td.payload{font-family:ui-monospace,monospace;font-size:11px;word-break:break-all;max-width:720px}
    .toolbar{float:right}.toolbar button{font:inherit;font-size:12px;padding:2px 8px;border:1px solid var(--line);background:#f5f7fa;border-radius:4px;cursor:pointer}
    .missing{color:var(--muted)}.declared{color:var(--pass)}footer{margin-top:30px;color:var(--muted);font-size:12px}
    @media print{.toolbar{display:none}main{max-width:none;padding:0}h2{break-after:avoid}svg.plot,table,.stage{break-inside:avoid}details>*{display:block}details:not([open])>summary~*{display:block}body{font-size:11px}a{color:inherit;text-decoration:none}}
    """

    static let script = """
    document.addEventListener("DOMContentLoaded",function(){var b=document.getElementById("toggle-all");if(!b){return;}b.addEventListener("click",function(){var open=b.getAttribute("data-open")!=="1";document.querySelectorAll("details").forEach(function(d){d.open=open;});b.setAttribute("data-open",open?"1":"0");b.textContent=open?"Collapse all":"Expand all";});});
    """
}
