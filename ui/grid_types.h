// The studio's parameter-grid request and results (the engine's grid job, core/jobs/grid_job.h).
// Plain Qt value types, included by engine_types.h.
#pragma once

#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>

namespace pictor::ui {

struct GenerationParams;
struct LabelScore;

// One axis as the user writes it: "steps=10,20,30", "cfg=3-12 [4]", "prompt_sr=fox,cat".
struct GridAxisText {
    QString name;    // the engine's axis name ("steps", "guidance", "sampler", ...)
    QString values;  // comma-separated, A1111's ranges allowed
    QString text() const { return name + QLatin1Char('=') + values; }
};

struct GridCellResult {
    int x = 0, y = 0, z = 0;
    QString path;
    QImage thumbnail;
    bool reused = false;
    QStringList labels;          // with scoring: the labels, in order
    QVector<double> probabilities;  // their CLIP probabilities
    int best = -1;
};

struct GridResult {
    QString gridFile, heatmapFile, csvFile;  // csv/heat map only with labels
    int generated = 0, reused = 0;
    bool cancelled = false;
};

}  // namespace pictor::ui
