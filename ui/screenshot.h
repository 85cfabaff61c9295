// `pictor --screenshot FILE [--view gallery|scoring|compare|training] [--image IMAGE]`: renders one
// view of the main window offscreen (works with QT_QPA_PLATFORM=offscreen) and writes it as PNG.
// With an image, the scoring and compare views first run their job on it (models from settings);
// with the training view, IMAGE is a dataset folder the view trains on first (a real run).
#pragma once

#include <QString>

namespace pictor::ui {

// Returns 0 on success; on failure prints "error: …" to stderr and returns 1 (2 for a bad view).
int renderScreenshot(const QString& file, const QString& view, const QString& settingsPath = {},
                     const QString& image = {});

}  // namespace pictor::ui
