#include "ExportConfigDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLineEdit>
#include <QSaveFile>

namespace Fcemu::Ui {

ExportConfigDialog::ExportConfigDialog(const Config::FunctionConfig &config, QWidget *parent)
    : QDialog(parent), m_config(config), m_format(new QComboBox), m_image(new QLineEdit)
{
    setWindowTitle(tr("Export s.yaml"));
    m_format->addItem(tr("Serverless Devs s.yaml, component fc3 (FC 3.0)"),
                      int(Config::ExportFormat::Fc3));
    m_format->addItem(tr("Serverless Devs s.yaml, component fc (FC 2.0)"),
                      int(Config::ExportFormat::Fc));
    m_format->addItem(tr("Funcraft template.yml"), int(Config::ExportFormat::Funcraft));
    m_image->setPlaceholderText(Config::placeholderImage(config));
    m_image->setToolTip(tr("The image you pushed, REGISTRY/NAMESPACE/REPO:TAG"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *form = new QFormLayout(this);
    form->addRow(tr("Form:"), m_format);
    form->addRow(tr("Image:"), m_image);
    form->addRow(buttons);
}

Config::ExportFormat ExportConfigDialog::format() const
{
    return Config::ExportFormat(m_format->currentData().toInt());
}

QString ExportConfigDialog::imageReference() const
{
    return m_image->text().trimmed();
}

Status ExportConfigDialog::writeTo(const QString &path) const
{
    auto text = Config::exportConfig(m_config, format(), imageReference());
    if (!text)
        return std::unexpected(text.error());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(*text) != text->size() || !file.commit())
        return fail(ErrorKind::Usage,
                    path + u": cannot write the configuration: "_qs + file.errorString());
    return {};
}

Result<QString> exportConfigInteractively(QWidget *parent, const Config::FunctionConfig &config)
{
    ExportConfigDialog dialog(config, parent);
    if (dialog.exec() != QDialog::Accepted)
        return QString();
    const QString suggested =
        dialog.format() == Config::ExportFormat::Funcraft ? u"template.yml"_qs : u"s.yaml"_qs;
    const QString path = QFileDialog::getSaveFileName(
        parent, QObject::tr("Export s.yaml"), suggested, QObject::tr("YAML (*.yaml *.yml)"));
    if (path.isEmpty())
        return QString();
    if (auto ok = dialog.writeTo(path); !ok)
        return std::unexpected(ok.error());
    return QObject::tr("Wrote %1 to %2.").arg(config.name, QFileInfo(path).fileName());
}

} // namespace Fcemu::Ui
