/* amsel validate: runs a selector file live over a labelled dataset and
 * compares what it does (accuracy, latency per image, models run) with
 * the cross-validated figures the file was trained with. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f,
            "usage: amsel validate --selector FILE --dataset LABELS [--images DIR]\n"
            "                      [--models DIR] [--reference MODEL|none] [--limit N]\n"
            "                      [--profile CSV [--features CSV]] [--threads N]\n"
            "                      [--data DIR] [-o PER_IMAGE.csv]\n\n"
            "Decodes each image of the dataset, runs the selector on it (features,\n"
            "premodel, models: amsel_selector_classify) and reports top-1/top-5, the mean\n"
            "and p90 time from decoded image to answer, how often each model ran, and the\n"
            "cross-validated figures stored in the selector file for comparison.\n"
            "--reference MODEL also runs that model on every image (same crop; in a pass\n"
            "of its own after the selector's, so that each is timed as deployed), for a\n"
            "side-by-side measured in the same run: its top-1 and mean time, and the\n"
            "selector's speed-up over it (default: the file's reference model, the most\n"
            "accurate single model in training; --reference none to skip).\n"
            "--profile CSV [--features CSV]: also replays the selector on that profile's\n"
            "recorded answers (amsel_selector_replay) and counts the images where the live\n"
            "run decided differently (models run or answer): it must be none.\n"
            "-o writes image,class,top1,correct1,correct5,models,total_ms per image.\n");
}

/* The "selected" figures the file was trained with, and the name of its
 * reference model, when present. */
static void stored_figures(const char *path, double *top1, double *ms, char *ref, size_t refcap)
{
    *top1 = *ms = -1;
    ref[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *buf = malloc(64 << 20);
    size_t n = buf ? fread(buf, 1, (64 << 20) - 1, f) : 0;
    fclose(f);
    if (!buf)
        return;
    buf[n] = 0;
    cJSON *doc = cJSON_Parse(buf);
    free(buf);
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "cv"),
                                                        "selected");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(sel, "top1");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(sel, "mean_ms");
    if (cJSON_IsNumber(t) && cJSON_IsNumber(m))
        *top1 = t->valuedouble, *ms = m->valuedouble;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "cv"), "reference"),
        "policy");
    if (cJSON_IsString(r) && strlen(r->valuestring) < refcap && !strchr(r->valuestring, '/'))
        snprintf(ref, refcap, "%s", r->valuestring);
    cJSON_Delete(doc);
}

int cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"selector", required_argument, 0, 'S'}, {"dataset", required_argument, 0, 's'},
        {"images", required_argument, 0, 'i'},   {"models", required_argument, 0, 'M'},
        {"limit", required_argument, 0, 'n'},    {"data", required_argument, 0, 'd'},
        {"output", required_argument, 0, 'o'},   {"help", no_argument, 0, 'h'},
        {"reference", required_argument, 0, 'r'}, {"profile", required_argument, 0, 'p'},
        {"features", required_argument, 0, 'F'}, {"threads", required_argument, 0, 'J'},
        {0, 0, 0, 0}};
    const char *sel_path = NULL, *dataset_path = NULL, *images_arg = NULL, *models_arg = NULL;
    const char *data_opt = NULL, *out_path = NULL, *ref_arg = NULL, *prof_path = NULL;
    const char *feat_path = NULL;
    long limit = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'S': sel_path = optarg; break;
        case 's': dataset_path = optarg; break;
        case 'i': images_arg = optarg; break;
        case 'M': models_arg = optarg; break;
        case 'd': data_opt = optarg; break;
        case 'o': out_path = optarg; break;
        case 'r': ref_arg = optarg; break;
        case 'p': prof_path = optarg; break;
        case 'F': feat_path = optarg; break;
        case 'J':
            if (!cli_opt_int("threads", "0..256 (0: all cores)", 0, 256, &cli_threads))
                return EXIT_USAGE;
            break;
        case 'n':
            if (!cli_parse_int(optarg, 1, 100000000, &limit)) {
                cli_error("--limit: expected a positive number, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if (!sel_path || !dataset_path || optind < argc) {
        cli_error(optind < argc ? "unexpected argument '%s'" : "--selector and --dataset are required",
                  optind < argc ? argv[optind] : "");
        help(stderr);
        return EXIT_USAGE;
    }
    const char *data = cli_data_dir(data_opt);
    char images_dir[4096], synsets[4096], models_dir[4096], path[8192];
    cli_dataset_dirs(data, dataset_path, images_arg, images_dir, sizeof images_dir, synsets,
                     sizeof synsets);
    snprintf(models_dir, sizeof models_dir, "%s/models/imagenet", data);
    int rc = 1, n = 0, hit1 = 0, hit5 = 0, unsure = 0, ref_hit1 = 0, ref_hit5 = 0;
    int only_sel = 0, only_ref = 0; /* paired top-1 comparison */
    char *sel_ok1 = NULL;           /* per image: the selector's top-1 was right */
    double runs = 0, feat_ms = 0, pre_ms = 0, model_ms = 0, ref_ms = 0, *total = NULL;
    double cv_top1, cv_ms, replay_ms = 0, replay_live_ms = 0;
    char ref_name[256], ref_path[8192];
    amsel_model *ref = NULL;
    amsel_profile *prof = NULL;
    amsel_feature_table *ft = NULL;
    int replayed = 0, differ = 0;
    float crop = AMSEL_DEFAULT_CROP;
    double used[AMSEL_CASCADE_MAX] = {0};
    amsel_ctx *ctx = NULL;
    amsel_dataset *ds = NULL;
    amsel_selector *sel = NULL;
    cli_outfile out = {0};
    if (!cli_ctx_create(NULL, &ctx))
        return 1;
    if (amsel_dataset_load(ctx, dataset_path, synsets, &ds) != AMSEL_OK ||
        amsel_selector_open(ctx, sel_path, models_arg ? models_arg : models_dir, &sel) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        goto done;
    }
    if ((prof_path && amsel_profile_load(ctx, prof_path, &prof) != AMSEL_OK) ||
        (feat_path && amsel_feature_table_load(ctx, feat_path, &ft) != AMSEL_OK)) {
        cli_error("%s", amsel_last_error(ctx));
        goto done;
    }
    stored_figures(sel_path, &cv_top1, &cv_ms, ref_name, sizeof ref_name);
    if (ref_arg)
        snprintf(ref_name, sizeof ref_name, "%s", strcmp(ref_arg, "none") ? ref_arg : "");
    if (ref_name[0] &&
        amsel_model_load(ctx, cli_model_path(data, ref_name, ref_path, sizeof ref_path), &ref) !=
            AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        goto done;
    }
    crop = amsel_selector_crop(sel);
    int count = amsel_dataset_count(ds);
    if (limit && limit < count)
        count = (int)limit;
    if (!(total = calloc((size_t)count + 1, sizeof *total)) ||
        !(sel_ok1 = calloc((size_t)count + 1, 1))) {
        cli_error("out of memory");
        goto done;
    }
    if (out_path) {
        if (!cli_out_open(&out, out_path))
            goto done;
        fprintf(out.f, "image,class,top1,correct1,correct5,models,total_ms\n");
    }
    for (int i = 0; i < count; i++) {
        const char *file = amsel_dataset_file(ds, i);
        int cls = amsel_dataset_class(ds, i);
        amsel_image *img = NULL;
        amsel_selection r;
        snprintf(path, sizeof path, "%s/%s", images_dir, file);
        if (amsel_image_load(ctx, path, &img) != AMSEL_OK ||
            amsel_selector_classify(sel, img, &r) != AMSEL_OK) {
            cli_error("%s (listed at %s:%d)", amsel_last_error(ctx), dataset_path,
                      amsel_dataset_line(ds, i));
            amsel_image_destroy(img);
            goto done;
        }
        amsel_image_destroy(img);
        for (int pi = 0; prof && pi < amsel_profile_images(prof); pi++) {
            if (strcmp(amsel_profile_image_name(prof, pi), file))
                continue;
            amsel_selection o;
            if (amsel_selector_replay(sel, prof, ft, pi, &o) != AMSEL_OK) {
                cli_error("%s", amsel_last_error(ctx));
                goto done;
            }
            int same = o.unsure == r.unsure && o.nrun == r.nrun && o.top[0].cls == r.top[0].cls;
            for (int k = 0; same && k < r.nrun; k++)
                same = o.run[k] == r.run[k];
            if (!same && differ < 5)
                cli_warn("%s: live ran %d model(s), answer %d; replay %d, answer %d", file, r.nrun,
                         r.top[0].cls, o.nrun, o.top[0].cls);
            differ += !same;
            replayed++;
            replay_ms += o.total_ms;
            replay_live_ms += r.total_ms;
            break;
        }
        int ok1 = !r.unsure && r.top[0].cls == cls, ok5 = 0;
        for (int k = 0; k < 5 && !r.unsure; k++)
            ok5 |= r.top[k].cls == cls;
        hit1 += ok1, hit5 += ok5, unsure += r.unsure;
        sel_ok1[i] = (char)ok1;
        runs += r.nrun;
        feat_ms += r.features_ms, pre_ms += r.premodel_ms;
        for (int k = 0; k < r.nrun; k++) {
            model_ms += r.model_ms[k];
            used[r.run[k]]++;
        }
        total[n++] = r.total_ms;
        if (out.f) {
            fprintf(out.f, "%s,%d,%d,%d,%d,", file, cls, r.unsure ? -1 : r.top[0].cls, ok1, ok5);
            for (int k = 0; k < r.nrun; k++)
                fprintf(out.f, "%s%s", k ? " " : "", amsel_selector_model_name(sel, r.run[k]));
            fprintf(out.f, ",%.3f\n", r.total_ms);
        }
        if ((i + 1) % 50 == 0 || i + 1 == count)
            fprintf(stderr, "\rvalidate: %d/%d images", i + 1, count);
    }
    fputc('\n', stderr);
    /* The reference in a pass of its own: each is timed as it runs when
     * deployed, not with the other's weights in the caches. */
    for (int i = 0; ref && i < count; i++) {
        const int cls = amsel_dataset_class(ds, i);
        amsel_image *img = NULL;
        amsel_class_score top[5];
        double p_ms, i_ms;
        snprintf(path, sizeof path, "%s/%s", images_dir, amsel_dataset_file(ds, i));
        if (amsel_image_load(ctx, path, &img) != AMSEL_OK ||
            amsel_model_classify(ref, img, crop, 5, top, &p_ms, &i_ms) != AMSEL_OK) {
            cli_error("%s (listed at %s:%d)", amsel_last_error(ctx), dataset_path,
                      amsel_dataset_line(ds, i));
            amsel_image_destroy(img);
            goto done;
        }
        amsel_image_destroy(img);
        const int ref_ok1 = top[0].cls == cls;
        ref_ms += p_ms + i_ms;
        ref_hit1 += ref_ok1;
        for (int k = 0; k < 5; k++)
            ref_hit5 += top[k].cls == cls;
        only_sel += sel_ok1[i] && !ref_ok1;
        only_ref += !sel_ok1[i] && ref_ok1;
        if ((i + 1) % 50 == 0 || i + 1 == count)
            fprintf(stderr, "\rvalidate: reference %d/%d images", i + 1, count);
    }
    if (ref)
        fputc('\n', stderr);
    if (out.f && !cli_out_commit(&out))
        goto done;
    double mean = 0;
    for (int i = 0; i < n; i++)
        mean += total[i];
    mean /= n;
    printf("selector %s: %s\n", sel_path, amsel_selector_describe(sel));
    printf("live on %d images of %s:\n", n, dataset_path);
    printf("  top-1 %.2f%%  top-5 %.2f%%  unsure %.2f%%\n", 100.0 * hit1 / n, 100.0 * hit5 / n,
           100.0 * unsure / n);
    printf("  total per image (decoded image to answer): mean %.3f ms, median %.3f, p90 %.3f\n",
           mean, cli_percentile(total, n, 50), cli_percentile(total, n, 90));
    printf("  of which features %.3f ms, premodel %.4f ms, models %.3f ms; %.2f models per image\n",
           feat_ms / n, pre_ms / n, model_ms / n, runs / n);
    for (int s = 0; s < amsel_selector_stages(sel); s++)
        printf("  stage %d %-48s ran on %6.2f%% of images\n", s + 1,
               amsel_selector_model_name(sel, s), 100.0 * used[s] / n);
    if (ref)
        printf("reference %s, same images, same run: top-1 %.2f%%  top-5 %.2f%%  mean %.3f ms\n"
               "  selector vs reference: %+.2f points top-1, %.2fx faster\n",
               ref_name, 100.0 * ref_hit1 / n, 100.0 * ref_hit5 / n, ref_ms / n,
               100.0 * (hit1 - ref_hit1) / n, ref_ms / n / mean);
    if (ref) {
        /* paired: is the top-1 difference more than these images' luck? */
        const double d = (double)(only_sel - only_ref) / n;
        const double se = sqrt(only_sel + only_ref - (double)(only_sel - only_ref) *
                                                         (only_sel - only_ref) / n) / n;
        printf("  paired top-1: only the selector right on %d images, only the reference on %d;"
               " difference %+.2f points, 95%% interval [%+.2f, %+.2f], McNemar exact p = %.3g\n",
               only_sel, only_ref, 100 * d, 100 * (d - 1.96 * se), 100 * (d + 1.96 * se),
               amsel_paired_p(only_sel, only_ref));
    }
    if (prof) {
        printf("replay from %s: %d of %d images found; live and replay decided differently on %d\n",
               prof_path, replayed, n, differ);
        /* the same decisions priced with the profile's timings: how far the
         * profiling run's conditions were from this one's */
        if (replayed)
            printf("  the replayed images' models at the profile's timings: mean %.3f ms "
                   "(live %.3f, %+.1f%%)\n",
                   replay_ms / replayed, replay_live_ms / replayed,
                   100.0 * (replay_live_ms / replay_ms - 1));
    }
    if (cv_top1 >= 0)
        printf("cross-validated when trained: top-1 %.2f%%, mean %.3f ms  "
               "(live - cv: %+.2f points, %+.1f%% time)\n",
               cv_top1, cv_ms, 100.0 * hit1 / n - cv_top1, 100.0 * (mean / cv_ms - 1));
    rc = differ ? 1 : 0;
    if (differ)
        cli_error("live and replayed decisions differ on %d images", differ);
done:
    if (out.f)
        cli_out_abort(&out);
    free(total);
    free(sel_ok1);
    amsel_model_destroy(ref);
    amsel_feature_table_destroy(ft);
    amsel_profile_destroy(prof);
    amsel_selector_destroy(sel);
    amsel_dataset_destroy(ds);
    amsel_ctx_destroy(ctx);
    return rc;
}
