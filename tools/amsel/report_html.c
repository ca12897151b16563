/* The report page: header with the run's parameters, the comparison
 * table, then the plots (report_plots*.c). Inline CSS, no script, and a
 * Content-Security-Policy that forbids any fetch, so the page works offline
 * and a name that slipped through escaping could not run. */
#include "report_html.h"
#include "report_doc.h"
#include "report_plots.h"
#include "report_svg.h"

#include <math.h>
#include <string.h>

static const char *CSS =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ccc}"
    "p.note{color:#555;font-size:13px;max-width:900px}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;font-size:14px}"
    "dt{color:#666}dd{margin:0}"
    "div.wide{overflow-x:auto}table{border-collapse:collapse;font-size:13px}"
    "th,td{padding:3px 8px;border-bottom:1px solid #e0e0e0;text-align:right}"
    "th{background:#f3f3f3}td:first-child,th:first-child,td.k{text-align:left}"
    "tr.ref td{background:#fff8e1}tr.front td:first-child{font-weight:bold}"
    "svg.plot{display:block;margin:8px 0;max-width:100%;height:auto}"
    "svg text{font-family:sans-serif}.tick{font-size:11px;fill:#444}.label{font-size:12px;fill:#222}"
    ".ptlabel,.rowname{font-size:11px;fill:#222}.kept{font-weight:bold}.cellv{font-size:9px}"
    ".grid{stroke:#ececec}.axis{stroke:#444}.leader{stroke:#999;stroke-width:.6}"
    ".front{fill:none;stroke:#000;stroke-width:1.5;stroke-dasharray:5 3}"
    ".whisker{stroke-width:2;opacity:.6}.fold{opacity:.75}.mean{stroke:#000;stroke-width:2}"
    ".bar{fill:#4e79a7}.seg{stroke:#fff;stroke-width:.5}";

static void esc(FILE *f, const char *s)
{
    rep_esc(f, s, 0);
}

/* A table cell with printf format fmt, or a dash for an absent (NaN) value. */
static void cell(FILE *f, double v, const char *fmt)
{
    fputs("<td>", f);
    if (isnan(v))
        fputs("&ndash;", f);
    else
        fprintf(f, fmt, v);
    fputs("</td>", f);
}

static void param(FILE *f, const char *name, const char *s, double v)
{
    if (!s && isnan(v))
        return;
    fprintf(f, "<dt>%s</dt><dd>", name);
    if (s)
        esc(f, s);
    else
        fprintf(f, "%.0f", v);
    fputs("</dd>\n", f);
}

static void header(FILE *f, const rep_doc *d)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'\">\n<title>amsel: evaluation of model selection</title>\n"
               "<style>%s</style>\n</head>\n<body>\n<h1>Adaptive model selection: "
               "cross-validated evaluation</h1>\n<dl>\n",
            CSS);
    param(f, "tool", d->tool, NAN);
    param(f, "profile", d->profile, NAN);
    param(f, "features file", d->features_path, NAN);
    param(f, "images", NULL, d->images);
    param(f, "folds", NULL, d->folds);
    param(f, "seed", NULL, d->seed);
    param(f, "objective", d->objective, NAN);
    param(f, "reference", d->reference, NAN);
    fputs("</dl>\n", f);
}

static void table(FILE *f, const rep_doc *d)
{
    double ref_ms = NAN;
    int prf = 0;
    for (int q = 0; q < d->npolicies; q++) {
        if (d->policies[q].is_ref)
            ref_ms = d->policies[q].mean_ms;
        prf |= !isnan(d->policies[q].f1) || !isnan(d->policies[q].precision);
    }
    fputs("<h2>Policies</h2>\n<p class=\"note\">Cross-validated means over the test folds. "
          "Speed-up is against the reference (highlighted); bold names are on the Pareto "
          "front.</p>\n<div class=\"wide\"><table>\n"
          "<tr><th>policy</th><th>kind</th><th>top-1 %</th><th>top-5 %</th>"
          "<th>mean ms</th><th>p90 ms</th><th>speed-up</th><th>overhead ms</th>"
          "<th>models/image</th><th>top-1 sd</th>",
          f);
    if (prf)
        fputs("<th>precision</th><th>recall</th><th>F1</th>", f);
    fputs("</tr>\n", f);
    for (int q = 0; q < d->npolicies; q++) {
        const rep_policy *p = &d->policies[q];
        double sp = p->speedup;
        if (isnan(sp) && !isnan(ref_ms) && p->mean_ms > 0)
            sp = ref_ms / p->mean_ms;
        fprintf(f, "<tr class=\"%s%s\"><td>", p->is_ref ? "ref " : "", p->on_front ? "front" : "");
        esc(f, p->name);
        fputs("</td><td class=\"k\">", f);
        esc(f, p->kind);
        fputs("</td>", f);
        cell(f, p->top1, "%.2f");
        cell(f, p->top5, "%.2f");
        cell(f, p->mean_ms, "%.3f");
        cell(f, p->p90_ms, "%.3f");
        cell(f, sp, "%.2fx");
        cell(f, p->overhead_ms, "%.3f");
        cell(f, p->models_run, "%.2f");
        cell(f, p->top1_sd, "%.2f");
        if (prf) {
            cell(f, p->precision, "%.3f");
            cell(f, p->recall, "%.3f");
            cell(f, p->f1, "%.3f");
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

static void features(FILE *f, const rep_features *ft)
{
    fputs("<h2>Features</h2>\n", f);
    if (ft->corr) {
        fputs("<p class=\"note\">Pearson correlation between the features (blue: negative, red: "
              "positive); names in bold are the features kept.</p>\n",
              f);
        rep_plot_heatmap(f, ft);
    }
    if (ft->nimportance) {
        fputs("<p class=\"note\">Importance: accuracy points lost when the feature is "
              "removed.</p>\n",
              f);
        rep_plot_bars(f, ft->importance, ft->nimportance, "importance (points)");
    }
    if (ft->nrelevance) {
        fputs("<p class=\"note\">Relevance: correlation ratio (eta) of the feature with the "
              "cheapest correct model.</p>\n",
              f);
        rep_plot_bars(f, ft->relevance, ft->nrelevance, "relevance (eta)");
    }
}

int report_html_write(FILE *f, const cJSON *doc, char *err, size_t errlen)
{
    rep_doc d;
    if (rep_doc_load(doc, &d, err, errlen))
        return -1;
    rep_doc_derive(&d);
    header(f, &d);
    table(f, &d);
    fputs("<h2>Accuracy against latency</h2>\n<p class=\"note\">Each policy at its mean cost per "
          "image; hollow circles are single models, the dark one the oracle (a bound: it knows the "
          "cheapest correct model). The dashed step line is the Pareto front of the deployable "
          "policies and models (not the oracle, nor Algorithm 1's subset, whose choice is the "
          "oracle's): the best accuracy reachable within a latency budget.</p>\n",
          f);
    rep_plot_scatter(f, &d);
    if (rep_count_usage(&d)) {
        fputs("<h2>Model usage</h2>\n<p class=\"note\">How often each policy runs each model; "
              "the bar's length is the mean number of models run per image.</p>\n",
              f);
        rep_plot_usage(f, &d);
    }
    if (rep_count_folds(&d)) {
        fputs("<h2>Spread over the folds</h2>\n<p class=\"note\">Top-1 of each test fold "
              "(dots), their range (line) and mean (bar).</p>\n",
              f);
        rep_plot_folds(f, &d);
    }
    if (d.features)
        features(f, d.features);
    fputs("<p class=\"note\">Written by amsel report.</p>\n</body>\n</html>\n", f);
    rep_doc_free(&d);
    return 0;
}
