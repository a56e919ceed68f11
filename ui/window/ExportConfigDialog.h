#pragma once

#include <QDialog>

#include "common/Error.h"
#include "config/ConfigExport.h"
#include "config/FunctionConfig.h"

class QComboBox;
class QLineEdit;

namespace Fcemu::Ui {

// File ▸ Export s.yaml…: the form (fc3, fc or Funcraft template) and the image reference to
// deploy; what `fcemu config export` writes (config/ConfigExport.h).
class ExportConfigDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportConfigDialog)

public:
    explicit ExportConfigDialog(const Config::FunctionConfig &config, QWidget *parent = nullptr);

    Config::ExportFormat format() const;
    QString imageReference() const;

    // Writes the export to path; the error names the file.
    Status writeTo(const QString &path) const;

private:
    Config::FunctionConfig m_config;
    QComboBox *m_format;
    QLineEdit *m_image;
};

// The whole interaction: the dialog, then a file name; returns the banner text (empty when
// cancelled).
Result<QString> exportConfigInteractively(QWidget *parent, const Config::FunctionConfig &config);

} // namespace Fcemu::Ui
