// Plain value types exchanged between the studio's UI thread and its EngineWorker.
//
// Requests go to the worker by value; results come back by value inside queued signals, so every
// type here is copyable, holds only Qt/std values (never a tensor: no LibTorch header may reach a
// Qt header) and is registered with the meta-type system (registerEngineTypes()).
#pragma once

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

#include <variant>

#include "ui/grid_types.h"

namespace pictor::ui {

// A LoRA of the sampler panel's list: merged into the UNet and the text encoder at `strength`.
struct LoraEntry {
    QString file;  // a LoRA file, a diffusers LoRA folder, or a catalogue name ("lcm-lora-sdv1-5")
    double strength = 1.0;

    bool operator==(const LoraEntry&) const = default;
};

// Everything that defines one text-to-image run. seed < 0 means "draw a random seed".
struct GenerationParams {
    QString prompt;
    QString negativePrompt;
    QString model;      // model reference as in settings.yaml (repo id or folder)
    QString scheduler;  // "PNDM", "DDIM", "Euler", "Euler a", "DPM++ 2M", "DPM++ 2M Karras", "LMS", "LCM"
    int steps = 50;
    double guidance = 7.5;  // classifier-free guidance; <= 1 turns it off (one UNet pass per step)
    int imagesPerPrompt = 2;
    int width = 512;
    int height = 512;
    qint64 seed = -1;
    QString device = QStringLiteral("cpu");
    QString timestepSpacing;  // "" = the scheduler's own, "leading", "linspace", "trailing" (SD-Turbo)
    QString decoder;          // "" = the model's VAE; a TAESD: AutoencoderTiny folder, repo id or "taesd"
    QString dtype;            // "" = f32 on cpu / f16 on cuda, "f32", "bf16" (CPUs with AVX512-BF16/AMX)
    QString promptSyntax = QStringLiteral("a1111");  // "a1111" (weights, BREAK) or "plain"
    int clipSkip = 1;         // A1111's Clip skip, 1..12
    QVector<LoraEntry> loras; // besides the prompt's <lora:NAME:SCALE> tags
    // img2img: the init image ("" = text-to-image; resized to width × height as A1111 does) and
    // `strength`, the part of the schedule denoised, (0, 1].
    QString initImage;
    double strength = 0.75;
    // Parsed from a parameters text: it records an img2img run ("Denoising strength"). The text
    // never names the init image, so initImage is only known for results of this session.
    bool img2img = false;

    bool operator==(const GenerationParams&) const = default;
};

// The A1111-style `parameters` text chunk ("<prompt>\nNegative prompt: ...\nSteps: 50, Sampler: ..."),
// written and read by the engine's one writer and parser (core/jobs/parameters.h). seed < 0 is
// written as no seed; imagesPerPrompt as "Batch size"; clipSkip as "Clip skip" (only when not 1),
// timestepSpacing as "Timestep spacing" and decoder as "VAE" (its folder name, "taesd" for the
// catalogue's), strength as "Denoising strength" (when initImage is set or img2img), as the
// engine writes them. device, dtype, promptSyntax, loras and initImage are not written:
// the engine records LoRAs as <lora:NAME:SCALE> tags in the prompt (and "Lora hashes"), as A1111.
QString formatParameters(const GenerationParams& params);
// The name the engine writes for a decoder reference in "VAE": its last path part ("taesd-tiny"),
// "taesd" for the catalogue's TAESD (and for a path ending in '/').
QString decoderName(const QString& decoder);
// Inverse of formatParameters. The prompts always come from the text; a text without a seed gives
// seed -1 (random); no "Clip skip" gives 1, no "Timestep spacing" "", no "VAE" the model's VAE
// (decoder ""); "VAE: taesd" gives "taesd" and another VAE name keeps defaults.decoder (the text
// names a decoder only by its folder name). Other fields that are missing (device, dtype,
// promptSyntax, loras) keep the values of `defaults`. "Denoising strength" sets strength and
// img2img, and keeps defaults.initImage (the init image a job of this session ran with); a text
// without it gives img2img false and initImage "" (a text-to-image run).
// Returns false when the text has no settings line (not a parameters chunk at all).
bool parseParameters(const QString& text, GenerationParams* out, const GenerationParams& defaults = {});

// One image that exists on disk in the output folder.
struct GalleryItem {
    QString path;
    QImage thumbnail;         // downscaled for the gallery grid
    QString parametersText;   // the raw `parameters` chunk ("" when the PNG has none)
    GenerationParams params;  // parsed from parametersText (seed = the image's own seed)
    qint64 modifiedMsecs = 0; // file time, for newest-first ordering
};

struct LabelScore {
    QString label;
    double probability = 0;
    double logit = 0;
};

struct ScoreResult {
    QString imagePath;
    QVector<LabelScore> scores;  // in the order of the request's labels
};

struct ClassScore {
    QString name;
    double probability = 0;
    QString detail;  // tooltip text (class index, logit, CLIP's view of an object group, ...)
};

struct CompareResult {
    QString imagePath;
    QVector<LabelScore> clip;        // CLIP zero-shot over the label list
    QVector<ClassScore> resnetTop5;  // the ResNet's ImageNet top-5
    QVector<ClassScore> groups;      // ImageNet probabilities summed per object group
    // What the engine ran, not what the settings assume: the reference may name any ResNet file.
    QString resnetModel;   // architecture, e.g. "resnet50"
    QString resnetPreset;  // preprocessing preset, e.g. "IMAGENET1K_V2"
};

struct EpochMetrics {
    int epoch = 0;  // 1-based
    int epochs = 0;
    double trainLoss = 0;
    double trainAccuracy = 0;
    double testLoss = 0;
    double testAccuracy = 0;
};

struct TrainingEvaluation {
    QStringList classes;
    QVector<double> perClassAccuracy;
    QVector<QVector<int>> confusion;  // [true class][predicted class]
    double accuracy = 0;
    QString exportedModel;            // path of the exported classifier, if any
};

struct ClassifyResult {
    QString imagePath;
    QVector<ClassScore> scores;  // sorted, best first
};

// ---- requests ----------------------------------------------------------------------------------

struct GenerateRequest {
    GenerationParams params;
    QString outputFolder;
};

struct ScoreRequest {
    QStringList imagePaths;  // one or many (score all gallery images)
    QStringList labels;
    QString clipModel;
};

struct CompareRequest {
    QString imagePath;
    QStringList labels;
    QString clipModel;
    QString resnetModel;
};

struct DatasetClass {
    QString name;
    QString prompt;
};

struct DatasetRequest {
    QVector<DatasetClass> classes;
    int imagesPerClass = 20;
    QString folder;
    GenerationParams params;  // model, scheduler, steps, guidance, size, seed base
};

struct TrainRequest {
    QString datasetFolder;
    QString resnetModel;  // ResNet18 backbone
    int epochs = 5;
    int batchSize = 8;
    double learningRate = 1e-3;
    double testFraction = 0.2;
    QString optimizer = QStringLiteral("SGD");
    qint64 seed = 0;
    QString exportPath;   // where the trained classifier is written
};

struct ClassifyRequest {
    QString imagePath;
    QString classifierPath;
};

// Downloads a model catalogue entry (core/hub) into the standard caches.
struct DownloadRequest {
    QString entryName;  // catalogue name ("sd15", "resnet50", ...)
    QString variant;    // "" or an offered variant ("fp16")
};

// One row of the model manager: a catalogue entry and what is on disk for it.
struct ModelEntryInfo {
    QString name;
    QString title;
    QString description;
    QString reference;  // what settings.yaml names it by
    QStringList variants;
    qint64 approxSize = 0;
    QString status;     // "complete", "partial: 2 files missing", "missing"
    bool complete = false;
    QString location;
};

// A catalogue model a job needed and did not find on disk (the studio offers to download it).
struct MissingModel {
    QString entryName;  // catalogue name ("sd15"): what a DownloadRequest takes
    QString title;      // "Stable Diffusion v1.5"
    qint64 approxSize = 0;  // bytes, approximate; 0 = unknown
};

// A parameter grid (A1111's X/Y/Z plot): `params` is every cell's base (one image per cell), each
// axis changes one setting; with labels every cell is scored by CLIP (core/jobs/grid_job.h).
struct GridRequest {
    GenerationParams params;
    QString outputFolder;  // the grid's folder (cells/ under it)
    QVector<GridAxisText> axes;
    QStringList labels;    // CLIP labels; empty = no scoring
    QString clipModel;
    QString heatLabel;
};

using JobRequest = std::variant<GenerateRequest, ScoreRequest, CompareRequest, DatasetRequest, TrainRequest,
                                ClassifyRequest, DownloadRequest, GridRequest>;

// A short human title for the jobs list ("Generate: a watercolor painting of…").
QString jobTitle(const JobRequest& request);

enum class JobState { Queued, Running, Done, Failed, Cancelled };
QString jobStateName(JobState state);

// Registers every type above for queued signal/slot connections. Call once (idempotent).
void registerEngineTypes();

}  // namespace pictor::ui

Q_DECLARE_METATYPE(pictor::ui::LoraEntry)
Q_DECLARE_METATYPE(pictor::ui::GenerationParams)
Q_DECLARE_METATYPE(pictor::ui::GalleryItem)
Q_DECLARE_METATYPE(pictor::ui::ScoreResult)
Q_DECLARE_METATYPE(pictor::ui::CompareResult)
Q_DECLARE_METATYPE(pictor::ui::EpochMetrics)
Q_DECLARE_METATYPE(pictor::ui::TrainingEvaluation)
Q_DECLARE_METATYPE(pictor::ui::ClassifyResult)
Q_DECLARE_METATYPE(pictor::ui::JobState)
Q_DECLARE_METATYPE(pictor::ui::MissingModel)
Q_DECLARE_METATYPE(pictor::ui::GridCellResult)
Q_DECLARE_METATYPE(pictor::ui::GridResult)
