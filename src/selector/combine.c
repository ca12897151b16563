/* Averaging the top-5 answers of the models a cascade ran. */
#include "selector/combine.h"

#include <string.h>

void am_combine(const int (*cls)[5], const float (*score)[5], int n, int combine, int conf_kind,
                int out_cls[5], float out_score[5], float *conf)
{
    if (!combine || n == 1) {
        memcpy(out_cls, cls[n - 1], 5 * sizeof *out_cls);
        memcpy(out_score, score[n - 1], 5 * sizeof *out_score);
    } else {
        int ids[5 * AMSEL_CASCADE_MAX], m = 0;
        float sum[5 * AMSEL_CASCADE_MAX];
        for (int k = 0; k < n; k++)
            for (int r = 0; r < 5; r++) {
                int j = 0;
                while (j < m && ids[j] != cls[k][r])
                    j++;
                if (j == m) {
                    ids[m] = cls[k][r];
                    sum[m++] = 0;
                }
                sum[j] += score[k][r];
            }
        /* Partial selection sort of the 5 best: ties go to the lower class. */
        for (int r = 0; r < 5; r++) {
            int best = r;
            for (int j = r + 1; j < m; j++)
                if (sum[j] > sum[best] || (sum[j] == sum[best] && ids[j] < ids[best]))
                    best = j;
            if (best < m) {
                int ti = ids[r];
                float ts = sum[r];
                ids[r] = ids[best], sum[r] = sum[best];
                ids[best] = ti, sum[best] = ts;
            }
            out_cls[r] = r < m ? ids[r] : -1;
            out_score[r] = r < m ? sum[r] / (float)n : 0;
        }
    }
    *conf = conf_kind == AM_CONF_MARGIN ? out_score[0] - out_score[1] : out_score[0];
}
