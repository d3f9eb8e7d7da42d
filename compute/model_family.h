/* Which network family a dfview model file holds, read from its metadata's architecture.type before either
 * loader validates the rest: the Unet3D (compute/model.h) or the Oasis DiT + ViT-VAE (compute/oasis.h). */
#ifndef DFV_MODEL_FAMILY_H
#define DFV_MODEL_FAMILY_H

#include "dfv_common.h"

typedef enum { DFV_FAMILY_UNKNOWN = 0, DFV_FAMILY_UNET3D, DFV_FAMILY_OASIS } dfv_model_family;

/* DFV_FAMILY_UNKNOWN with err filled for an unreadable file, one without dfview metadata or an unknown type. */
dfv_model_family dfv_model_family_of(const char *path, char err[DFV_ERR_LEN]);

#endif
