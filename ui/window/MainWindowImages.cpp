// MainWindow's opening of images (files, the registry, the sample), settings, s.yaml import,
// HAR export and drops (split from MainWindow.cpp).
#include "MainWindow.h"

#include <QApplication>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolButton>

#include "MessageBanner.h"
#include "RegistryDialog.h"
#include "config/ConfigFile.h"
#include "inspectors/image/ImageInspector.h"
#include "gateway/Har.h"
#include "registry/Reference.h"
#include "runtime/ImagePreparation.h"
#include "session/FunctionSession.h"
#include "settings/FunctionSettingsForm.h"
#include "settings/FunctionSettingsStore.h"

namespace Fcemu::Ui {

namespace {

const QString kSampleKey = u"sample:fc-sample-web"_qs;

// Writes the embedded sample image out (unless an identical copy is there) and returns its path,
// or an empty string when the build has none or the cache folder can't be written.
QString writeSampleImage()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    const QString path = dir + u"/samples/fc-sample-web.tar"_qs;
    QFile embedded(u":/samples/fc-sample-web.tar"_qs);
    if (!embedded.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = embedded.readAll();
    QFile existing(path);
    if (existing.open(QIODevice::ReadOnly) && existing.readAll() == bytes)
        return path;
    existing.close();
    QDir().mkpath(dir + u"/samples"_qs);
    QFile out(path + u".part"_qs);
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size())
        return {};
    out.close();
    QFile::remove(path);
    return QFile::rename(path + u".part"_qs, path) ? path : QString();
}

} // namespace

QString MainWindow::sampleImagePath()
{
    // Once per run: the embedded image can't change while the app runs, and imageKey() asks
    // for this path on every open and every settings change.
    static const QString path = writeSampleImage();
    return path;
}

QString MainWindow::imageKey(const QString &path)
{
    if (Registry::looksLikeReference(path))
        return path;
    return path == sampleImagePath() ? kSampleKey : QFileInfo(path).absoluteFilePath();
}

void MainWindow::openSample()
{
    const QString path = sampleImagePath();
    if (path.isEmpty()) {
        m_banner->showMessage(tr("This build has no embedded sample function."),
                              MessageBanner::Kind::Error);
        return;
    }
    openImage(path);
}

void MainWindow::chooseImage()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Image"), QSettings().value(u"paths/images"_qs).toString(),
        tr("Container images (*.tar *.tar.gz *.tgz *.oci);;All files (*)"));
    if (path.isEmpty())
        return;
    QSettings().setValue(u"paths/images"_qs, QFileInfo(path).absolutePath());
    openImage(path);
}

void MainWindow::chooseRegistryImage()
{
    RegistryDialog dialog(this);
    if (m_openingPath.isEmpty() ? false : Registry::looksLikeReference(m_openingPath))
        dialog.setReference(m_openingPath);
    if (dialog.exec() != QDialog::Accepted)
        return;
    // The pull runs in ImagePreparation's thread; the progress bar and Cancel work as for a file.
    Config::FunctionConfig config =
        loadFunctionSettings(dialog.reference()).value_or(Config::FunctionConfig{});
    config.insecureRegistry = dialog.insecure();
    openImage(dialog.reference(), config);
}

void MainWindow::openImage(const QString &path, std::optional<Config::FunctionConfig> config)
{
    cancelOpen();
    m_openingPath = path;
    if (config)
        m_openingConfig = *config;
    else if (m_importedConfig)
        m_openingConfig = *std::exchange(m_importedConfig, std::nullopt);
    else if (auto saved = loadFunctionSettings(imageKey(path)))
        m_openingConfig = *saved;
    else
        m_openingConfig = {};
    m_preparation = std::make_unique<Runtime::ImagePreparation>(path, m_openingConfig);
    connect(m_preparation.get(), &Runtime::ImagePreparation::progress, this,
            [this](qint64 done, qint64 total) {
                m_progress->setMaximum(total > 0 ? 1000 : 0);
                m_progress->setValue(total > 0 ? int(done * 1000 / total) : 0);
            });
    connect(m_preparation.get(), &Runtime::ImagePreparation::completed, this,
            &MainWindow::preparationDone);
    connect(m_preparation.get(), &Runtime::ImagePreparation::failed, this,
            &MainWindow::preparationFailed);
    m_progress->setValue(0);
    m_progress->show();
    m_cancelButton->show();
    m_imageLabel->setText(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    m_preparation->start();
}

void MainWindow::cancelOpen()
{
    if (!m_preparation)
        return;
    m_preparation.reset(); // cancels and waits; nothing half-unpacked is cached
    m_progress->hide();
    m_cancelButton->hide();
    updateStatus();
}

void MainWindow::preparationDone(std::shared_ptr<Runtime::PreparedImage> image)
{
    m_preparation.reset();
    m_progress->hide();
    m_cancelButton->hide();
    // Another image: its requests start a fresh list, so Timing, Billing and Logs never set
    // one function's calls beside another's.
    const QString key = imageKey(m_openingPath);
    if (!m_loadedKey.isEmpty() && key != m_loadedKey)
        clearSession();
    m_loadedKey = key;
    auto status = m_session->load(m_openingPath, m_openingConfig, std::move(image));
    if (!status) {
        preparationFailed(status.error().message);
        return;
    }
    m_banner->hide();
    m_settings->setConfig(m_openingConfig);
    if (m_openingPath != sampleImagePath())
        addRecent(m_openingPath);
    updateTitle();
    updateStatus();
    emit loaded(m_openingPath);
}

void MainWindow::preparationFailed(const QString &message)
{
    m_preparation.reset();
    m_progress->hide();
    m_cancelButton->hide();
    m_banner->showMessage(
        tr("Could not open %1: %2").arg(QFileInfo(m_openingPath).fileName(), message),
        MessageBanner::Kind::Error);
    updateStatus();
    emit openFailed(message);
}

void MainWindow::applySettings(const Config::FunctionConfig &config)
{
    if (!m_session->isLoaded())
        return;
    saveFunctionSettings(imageKey(m_session->imagePath()), config);
    m_image->setSizeLimit(Config::imageSizeLimit(config)); // registry edition, instance type
    if (auto status = m_session->reconfigure(config); !status)
        m_banner->showMessage(status.error().message, MessageBanner::Kind::Error);
    updateTitle();
    updateStatus();
}

Status MainWindow::importConfig(const QString &path, const QString &functionName)
{
    auto config = Config::loadConfigFile(path, functionName);
    if (!config) {
        m_banner->showMessage(config.error().message, MessageBanner::Kind::Error);
        return std::unexpected(config.error());
    }
    updateFunctionPicker(path, config->name);
    // Never silently: what the file sets that fcemu does not apply.
    const QString ignored = config->ignoredProperties.isEmpty()
                                ? QString()
                                : u"\n"_qs + config->ignoredProperties.join(u'\n');
    if (m_session->isLoaded()) {
        m_settings->setConfig(*config);
        applySettings(*config);
        m_banner->showMessage(tr("Applied %1 from %2 to %3.")
                                      .arg(config->name, QFileInfo(path).fileName(),
                                           QFileInfo(m_session->imagePath()).fileName()) +
                                  ignored,
                              MessageBanner::Kind::Information);
    } else {
        m_importedConfig = *config;
        m_banner->showMessage(
            tr("Read %1 from %2: open its image (Ctrl+O) to run it with these settings.")
                    .arg(config->name, QFileInfo(path).fileName()) +
                ignored,
            MessageBanner::Kind::Information);
    }
    return {};
}

void MainWindow::chooseConfig()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Import Function Configuration"), QString(),
        tr("Serverless Devs / Funcraft (*.yaml *.yml *.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString name;
    if (auto names = Config::listConfigFunctions(path); names && names->size() > 1) {
        bool ok = false;
        name = QInputDialog::getItem(this, tr("Import"), tr("Function:"), *names, 0, false, &ok);
        if (!ok)
            return;
    }
    importConfig(path, name);
}

Status MainWindow::exportHar(const QString &path, bool includeSecrets)
{
    QList<const Telemetry::InvocationRecord *> records;
    const Telemetry::RecordStore *store = m_session->records();
    for (qsizetype row = 0; row < store->size(); ++row)
        records.append(&store->at(row));
    Gateway::HarOptions options;
    options.includeSecrets = includeSecrets;
    options.baseUrl = m_session->endpointUrl();
    options.serviceName = m_session->config().serviceName;
    options.functionName = m_session->config().name;
    options.creatorVersion = QApplication::applicationVersion();
    auto written = Gateway::writeHar(path, records, options);
    if (!written)
        m_banner->showMessage(written.error().message, MessageBanner::Kind::Error);
    else
        statusBar()->showMessage(
            tr("Exported %n invocation(s) to %1", nullptr, int(records.size())).arg(path), 5000);
    return written;
}

void MainWindow::chooseHarFile()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export HAR"), u"fcemu-session.har"_qs, tr("HTTP Archive (*.har)"));
    if (!path.isEmpty())
        exportHar(path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QString path = event->mimeData()->urls().first().toLocalFile();
    const QString lower = path.toLower();
    if (lower.endsWith(u".yaml"_qs) || lower.endsWith(u".yml"_qs))
        importConfig(path);
    else
        openImage(path);
    event->acceptProposedAction();
}

} // namespace Fcemu::Ui
