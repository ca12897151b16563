/* Accessors of a loaded profile, and correctness under an objective. */
#include "selector/profile.h"

int amsel_profile_images(const amsel_profile *p) { return p->nimages; }
int amsel_profile_models(const amsel_profile *p) { return p->nmodels; }

const char *amsel_profile_image_name(const amsel_profile *p, int i)
{
    return i >= 0 && i < p->nimages ? p->image_name[i] : NULL;
}

const char *amsel_profile_model_name(const amsel_profile *p, int m)
{
    return m >= 0 && m < p->nmodels ? p->model_name[m] : NULL;
}

int amsel_profile_class(const amsel_profile *p, int i)
{
    return i >= 0 && i < p->nimages ? p->image_class[i] : -1;
}

const amsel_profile_cell *amsel_profile_cell_at(const amsel_profile *p, int i, int m)
{
    if (i < 0 || i >= p->nimages || m < 0 || m >= p->nmodels)
        return NULL;
    return am_cell(p, i, m);
}

double amsel_profile_mean_cost(const amsel_profile *p, int m, const int *images, int n)
{
    if (!images)
        n = p->nimages;
    double sum = 0;
    for (int k = 0; k < n; k++) {
        const amsel_profile_cell *c = am_cell(p, images ? images[k] : k, m);
        sum += c->pre_ms + c->infer_ms;
    }
    return n ? sum / n : 0;
}

int amsel_profile_correct(const amsel_profile *p, int i, int m, amsel_objective obj)
{
    const amsel_profile_cell *c = am_cell(p, i, m);
    return obj == AMSEL_OBJECTIVE_TOP5 ? c->correct5 : c->correct1;
}
