/* amsel — adaptive model selection for on-device image classification.
 * Umbrella header: the whole public API. */
#ifndef AMSEL_AMSEL_H
#define AMSEL_AMSEL_H

#include "amsel/dataset.h"
#include "amsel/deploy.h"
#include "amsel/feature_table.h"
#include "amsel/features.h"
#include "amsel/image.h"
#include "amsel/model.h"
#include "amsel/selector.h"
#include "amsel/status.h"

#define AMSEL_VERSION "0.1.0"

#endif
