// The one way the studio writes a size: binary units with one decimal ("579.8 MiB", "3.9 GiB"),
// so the download offer, the model manager and every other place agree on the same file.
#pragma once

#include <QString>

namespace pictor::ui {

QString formatBytes(qint64 bytes);

}  // namespace pictor::ui
