// The studio's look: one palette and a few named colours shared by widgets and charts.
#pragma once

#include <QColor>

class QApplication;
class QChart;

namespace pictor::ui::theme {

inline QColor accent() { return QColor(0x4f, 0x9d, 0xf7); }      // highlighted bar, primary button
inline QColor barColor() { return QColor(0x5f, 0x6b, 0x7d); }    // ordinary bars
inline QColor best() { return QColor(0xf5, 0xa6, 0x23); }        // the winning label
inline QColor train() { return QColor(0x4f, 0x9d, 0xf7); }
inline QColor test() { return QColor(0xf5, 0xa6, 0x23); }
inline QColor smoothed() { return QColor(0x8b, 0xc3, 0x4a); }
inline QColor window() { return QColor(0x23, 0x26, 0x2c); }
inline QColor base() { return QColor(0x1b, 0x1d, 0x22); }
inline QColor panel() { return QColor(0x2b, 0x2f, 0x36); }
inline QColor text() { return QColor(0xe6, 0xe8, 0xeb); }
inline QColor mutedText() { return QColor(0x9a, 0xa2, 0xad); }
inline QColor error() { return QColor(0xef, 0x53, 0x50); }

// Fusion style, the dark palette and the style sheet for the whole application.
void apply(QApplication& app);
// Chart background, fonts and colours matching the palette.
void styleChart(QChart* chart);

}  // namespace pictor::ui::theme
