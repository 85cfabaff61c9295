#include "ui/theme.h"

#include <QApplication>
#include <QChart>
#include <QPalette>
#include <QStyleFactory>

namespace pictor::ui::theme {

void apply(QApplication& app) {
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    p.setColor(QPalette::Window, window());
    p.setColor(QPalette::WindowText, text());
    p.setColor(QPalette::Base, base());
    p.setColor(QPalette::AlternateBase, panel());
    p.setColor(QPalette::ToolTipBase, panel());
    p.setColor(QPalette::ToolTipText, text());
    p.setColor(QPalette::Text, text());
    p.setColor(QPalette::PlaceholderText, mutedText());
    p.setColor(QPalette::Button, panel());
    p.setColor(QPalette::ButtonText, text());
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, accent());
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, accent());
    p.setColor(QPalette::Disabled, QPalette::Text, mutedText());
    p.setColor(QPalette::Disabled, QPalette::ButtonText, mutedText());
    p.setColor(QPalette::Disabled, QPalette::WindowText, mutedText());
    app.setPalette(p);
    app.setStyleSheet(QStringLiteral(
        "QGroupBox#section { border: 1px solid #3a3f47; border-radius: 6px; margin-top: 14px;"
        "  padding: 10px 8px 8px 8px; background: #272a30; }"
        "QGroupBox#section::title { subcontrol-origin: margin; left: 10px; padding: 0 4px;"
        "  color: #c8ccd2; font-weight: 600; }"
        "QPushButton { padding: 5px 12px; border-radius: 4px; border: 1px solid #3f444d; background: #30343b; }"
        "QPushButton:hover { background: #383d45; }"
        "QPushButton:disabled { color: #6b7280; }"
        "QPushButton#primary { background: #3b82d6; border-color: #4f9df7; color: white; font-weight: 600;"
        "  padding: 7px 16px; }"
        "QPushButton#primary:hover { background: #4f9df7; }"
        "QPushButton#primary:disabled { background: #2f3a48; color: #7d8a99; }"
        "QLabel#hint { color: #9aa2ad; }"
        "QLabel#error { color: #ef5350; }"
        "QLabel#tokenCount { color: #9aa2ad; }"
        "QLabel#tokenCount[over=\"true\"] { color: #ef5350; font-weight: 600; }"
        "QTabWidget::pane { border-top: 1px solid #3a3f47; }"
        "QTabBar::tab { padding: 7px 16px; }"
        "QListWidget#gallery { background: #1b1d22; border: none; }"
        "QListWidget#gallery::item { border-radius: 6px; padding: 4px; }"
        "QListWidget#gallery::item:selected { background: #2f4a6b; }"
        "QLabel#dropZone { border: 2px dashed #4a505a; border-radius: 8px; color: #9aa2ad; background: #1f2227; }"
        "QProgressBar { border: 1px solid #3a3f47; border-radius: 4px; text-align: center; background: #1f2227;"
        "  min-height: 14px; }"
        "QProgressBar::chunk { background: #3b82d6; border-radius: 3px; }"));
}

void styleChart(QChart* chart) {
    chart->setBackgroundBrush(panel());
    chart->setBackgroundRoundness(6);
    chart->setPlotAreaBackgroundVisible(false);
    chart->setTitleBrush(text());
    QFont titleFont = chart->titleFont();
    titleFont.setBold(true);
    chart->setTitleFont(titleFont);
    chart->legend()->setLabelColor(text());
    chart->setMargins(QMargins(6, 6, 6, 6));
}

}  // namespace pictor::ui::theme
