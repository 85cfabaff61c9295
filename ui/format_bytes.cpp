#include "ui/format_bytes.h"

#include <QLocale>

namespace pictor::ui {

QString formatBytes(qint64 bytes) {
    // IEC: KiB, MiB, GiB (powers of 1024), as the file managers and the HF cache tools count.
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

}  // namespace pictor::ui
