// Pictor's application icon, drawn with QPainter (same shapes as
// resources/icons/io.github.pictor.Pictor.svg), so no SVG plugin is needed at run time.
#pragma once

#include <QIcon>
#include <QImage>

namespace pictor::ui {

// The icon at `size`×`size` pixels, transparent outside the rounded square.
QImage renderAppIcon(int size);
// All common sizes (16…512) in one QIcon.
QIcon appIcon();

}  // namespace pictor::ui
