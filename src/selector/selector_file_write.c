/* Writing the selector file: the policy as JSON, each model's SHA-256,
 * checked by reading it back, then put in place atomically. */
#include "selector/selector_file.h"
#include "core/ctx.h"
#include "core/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cJSON's Add* return NULL on failure; one flag collects them all. */
static void add(int *ok, const void *item)
{
    if (!item)
        *ok = 0;
}

static cJSON *stages_json(amsel_ctx *ctx, const am_policy *pol, const am_selector_meta *meta,
                          const char *models_dir, amsel_status *st)
{
    cJSON *a = cJSON_CreateArray();
    int ok = a != NULL;
    for (int s = 0; ok && s < pol->stages.n; s++) {
        const char *name = meta->model_name[s];
        if (!name || !*name) {
            *st = am_fail(ctx, AMSEL_ERR_INVALID_ARG, "selector: stage %d has no model name", s);
            cJSON_Delete(a);
            return NULL;
        }
        char file[AM_SELECTOR_NAME_MAX + 8], path[4096], hex[65];
        snprintf(file, sizeof file, "%s.tflite", name);
        snprintf(path, sizeof path, "%s/%s", models_dir, file);
        if ((*st = am_sha256_file(ctx, path, hex)) != AMSEL_OK) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(a, o);
        if (!ok) {
            cJSON_Delete(o);
            break;
        }
        add(&ok, cJSON_AddStringToObject(o, "model", name));
        add(&ok, cJSON_AddStringToObject(o, "file", file));
        add(&ok, cJSON_AddStringToObject(o, "sha256", hex));
        add(&ok, cJSON_AddNumberToObject(o, "threshold", pol->stages.threshold[s]));
    }
    if (!ok) {
        cJSON_Delete(a);
        *st = am_fail(ctx, AMSEL_ERR_NOMEM, "selector: out of memory building the JSON");
        return NULL;
    }
    return a;
}

static int premodel_json(cJSON *policy, const am_policy *pol, const am_selector_meta *meta)
{
    const am_premodel *pm = &pol->pre;
    cJSON *o = cJSON_AddObjectToObject(policy, "premodel");
    cJSON *feats = o ? cJSON_AddArrayToObject(o, "features") : NULL;
    cJSON *clfs = o ? cJSON_AddArrayToObject(o, "classifiers") : NULL;
    int ok = feats && clfs;
    for (int j = 0; ok && j < pm->nfeat; j++) {
        cJSON *f = cJSON_CreateObject();
        ok = f && cJSON_AddItemToArray(feats, f);
        if (!ok) {
            cJSON_Delete(f);
            break;
        }
        /* A missing name is written as "" so that reading it back refuses it. */
        add(&ok,
            cJSON_AddStringToObject(f, "name", meta->feature_name[j] ? meta->feature_name[j] : ""));
        add(&ok, cJSON_AddNumberToObject(f, "lo", pm->lo[j]));
        add(&ok, cJSON_AddNumberToObject(f, "hi", pm->hi[j]));
    }
    for (int c = 0; ok && c < pm->nclf; c++) {
        cJSON *j = pm->clf[c] ? am_clf_to_json(pm->clf[c]) : cJSON_CreateNull();
        ok = j && cJSON_AddItemToArray(clfs, j);
        if (!ok)
            cJSON_Delete(j);
    }
    return ok;
}

static cJSON *selector_json(amsel_ctx *ctx, const am_policy *pol, const am_selector_meta *meta,
                            const char *models_dir, amsel_status *st)
{
    cJSON *root = cJSON_CreateObject(), *policy = NULL;
    int ok = root != NULL;
    add(&ok, root ? cJSON_AddStringToObject(root, "format", AM_SELECTOR_FORMAT) : NULL);
    add(&ok, root ? cJSON_AddNumberToObject(root, "version", AM_SELECTOR_VERSION) : NULL);
    add(&ok,
        root ? cJSON_AddStringToObject(root, "objective",
                                       meta->objective == AMSEL_OBJECTIVE_TOP5 ? "top5" : "top1")
             : NULL);
    add(&ok, root ? cJSON_AddNumberToObject(root, "crop", meta->crop) : NULL);
    add(&ok, policy = root ? cJSON_AddObjectToObject(root, "policy") : NULL);
    if (ok) {
        add(&ok, cJSON_AddStringToObject(policy, "kind", am_policy_kind_name(pol->kind)));
        add(&ok, cJSON_AddBoolToObject(policy, "combine", pol->stages.combine != 0));
        add(&ok, cJSON_AddStringToObject(policy, "confidence",
                                         pol->stages.confidence == 1 ? "margin" : "top1"));
        add(&ok, pol->fallback == AM_UNSURE
                     ? cJSON_AddStringToObject(policy, "fallback", "unsure")
                     : cJSON_AddNumberToObject(policy, "fallback", pol->fallback));
    }
    if (!ok) {
        cJSON_Delete(root);
        *st = am_fail(ctx, AMSEL_ERR_NOMEM, "selector: out of memory building the JSON");
        return NULL;
    }
    cJSON *stages = stages_json(ctx, pol, meta, models_dir, st);
    if (!stages) {
        cJSON_Delete(root);
        return NULL;
    }
    ok = cJSON_AddItemToObject(policy, "stages", stages);
    if (!ok)
        cJSON_Delete(stages);
    if (ok && am_policy_uses_features(pol))
        ok = premodel_json(policy, pol, meta);
    if (ok && meta->cv) {
        cJSON *cv = cJSON_Duplicate(meta->cv, 1);
        ok = cv && cJSON_AddItemToObject(root, "cv", cv);
        if (!ok)
            cJSON_Delete(cv);
    }
    if (!ok) {
        cJSON_Delete(root);
        *st = am_fail(ctx, AMSEL_ERR_NOMEM, "selector: out of memory building the JSON");
        return NULL;
    }
    return root;
}

/* text to path through a temporary in the same folder, fsync'd, renamed. */
static amsel_status write_atomic(amsel_ctx *ctx, const char *path, const char *text)
{
    size_t plen = strlen(path), len = strlen(text);
    char *tmp = am_malloc(ctx, plen + 16);
    if (!tmp)
        return AMSEL_ERR_NOMEM;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    amsel_status st = AMSEL_OK;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        st = am_fail(ctx, AMSEL_ERR_IO, "%s: cannot create a temporary file: %s", path,
                     strerror(errno));
        am_free(ctx, tmp);
        return st;
    }
    (void)fchmod(fd, 0644); /* mkstemp makes 0600; a selector file is meant to be shared */
    for (size_t off = 0; off < len && st == AMSEL_OK;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            st = am_fail(ctx, AMSEL_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        else
            off += (size_t)w;
    }
    if (st == AMSEL_OK && fsync(fd) != 0)
        st = am_fail(ctx, AMSEL_ERR_IO, "%s: fsync failed: %s", path, strerror(errno));
    if (close(fd) != 0 && st == AMSEL_OK)
        st = am_fail(ctx, AMSEL_ERR_IO, "%s: close failed: %s", path, strerror(errno));
    if (st == AMSEL_OK && rename(tmp, path) != 0)
        st = am_fail(ctx, AMSEL_ERR_IO, "%s: cannot rename the temporary into place: %s", path,
                     strerror(errno));
    if (st != AMSEL_OK)
        unlink(tmp);
    am_free(ctx, tmp);
    return st;
}

amsel_status am_selector_file_write(amsel_ctx *ctx, const char *path, const am_policy *pol,
                                    const am_selector_meta *meta, const char *models_dir)
{
    if (!path || !pol || !meta || !models_dir)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "am_selector_file_write: NULL argument");
    if (pol->stages.n < 1 || pol->stages.n > AMSEL_CASCADE_MAX)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "%s: policy has %d stages (expected 1..%d)",
                       path, pol->stages.n, AMSEL_CASCADE_MAX);
    amsel_status st = AMSEL_OK;
    cJSON *root = selector_json(ctx, pol, meta, models_dir, &st);
    if (!root)
        return st;
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return am_fail(ctx, AMSEL_ERR_NOMEM, "%s: out of memory printing the JSON", path);
    /* Never leave a file that the runtime would refuse: read it back first. */
    am_policy back;
    am_selector_info info;
    st = am_selector_parse(ctx, path, text, strlen(text), &back, &info);
    if (st == AMSEL_OK) {
        am_policy_clear(&back);
        am_selector_info_clear(&info);
        st = write_atomic(ctx, path, text);
    }
    cJSON_free(text);
    return st;
}
