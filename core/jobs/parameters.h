// The A1111 `parameters` text for the front ends (the writer and parser live with the PNG code in
// core/image/a1111_parameters.h; the generate job maps it onto a request: request_from_parameters).
#pragma once

#include "core/image/a1111_parameters.h"
