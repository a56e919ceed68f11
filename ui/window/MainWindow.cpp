#include "MainWindow.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QCryptographicHash>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "ExportConfigDialog.h"
#include "MessageBanner.h"
#include "RegistryDialog.h"
#include "Theme.h"
#include "common/Format.h"
#include "config/ConfigFile.h"
#include "inspectors/billing/BillingInspector.h"
#include "inspectors/headers/HeadersInspector.h"
#include "inspectors/instances/InstancesInspector.h"
#include "inspectors/logs/LogModel.h"
#include "inspectors/logs/LogsInspector.h"
#include "inspectors/timing/TimingInspector.h"
#include "invoke/InvokePanel.h"
#include "invoke/ResponseView.h"
#include "requests/RequestListView.h"
#include "registry/Reference.h"
#include "runtime/ImagePreparation.h"
#include "session/FunctionSession.h"
#include "settings/FunctionSettingsForm.h"
#include "settings/FunctionSettingsStore.h"
#include "gateway/Har.h"

namespace Fcemu::Ui {

namespace {

constexpr int kMaxRecent = 8;
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

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_session(new Session::FunctionSession(this))
{
    setWindowTitle(tr("fcemu"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    // The side docks run the full height and Logs/Instances sit under the request list: the
    // Invoke panel's height then no longer squeezes Logs to three lines on a 720 px screen.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 0);
    m_banner = new MessageBanner(central);
    m_requests = new RequestListView(m_session, central);
    layout->addWidget(m_banner);
    layout->addWidget(m_requests, 1);
    setCentralWidget(central);

    createDocks();
    createMenus();
    createStatusBar();

    m_showTimer = new QTimer(this);
    m_showTimer->setSingleShot(true);
    connect(m_showTimer, &QTimer::timeout, this,
            [this]() { showRecord(m_requests->currentRecord()); });
    connect(m_requests, &RequestListView::currentRecordChanged, this,
            &MainWindow::currentRecordChanged);
    connect(m_requests, &RequestListView::clearRequested, this, &MainWindow::clearSession);
    connect(m_requests, &RequestListView::compareWithRequested, this, [this](const QString &id) {
        m_timing->setPinnedComparison(id);
        if (auto *dock = findChild<QDockWidget *>(u"timingDock"_qs))
            dock->raise();
        if (!id.isEmpty())
            statusBar()->showMessage(
                tr("Timing compares the selected call with %1: pick any other row.").arg(id), 5000);
    });
    connect(m_settings, &FunctionSettingsForm::applied, this, &MainWindow::applySettings);
    connect(m_session, &Session::FunctionSession::endpointChanged, this, &MainWindow::updateStatus);
    connect(m_session, &Session::FunctionSession::instanceStateChanged, this,
            &MainWindow::updateStatus);
    connect(m_session, &Session::FunctionSession::loaded, this, &MainWindow::updateStatus);

    // 1560x960, or what the screen has room for (a 1280x720 laptop, a projector).
    QSize size(1560, 960);
    if (const QScreen *screen = QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableSize());
    resize(size);
    applyDefaultDockSizes(size);
    m_defaultState = saveState();
    QSettings settings;
    restoreGeometry(settings.value(u"window/geometry"_qs).toByteArray());
    m_restoredState = restoreState(settings.value(u"window/state"_qs).toByteArray());
    m_basePointSize = font().pointSizeF();
    setZoomPercent(settings.value(u"view/zoom"_qs, 100).toInt());
    updateRecentMenu();
    updateStatus();
    updateTitle();
}

MainWindow::~MainWindow()
{
    // Hidden first, while the session is whole: hiding later (QWidget's destructor does) lays
    // out the request list's header, which reads the session's records (ASan: use after free).
    hide();
    // The session stops its instances as it goes and reports each one stopped: let the docks
    // hear it while they are whole, but not this window, which is already half gone.
    m_session->disconnect(this);
    delete m_session;
}

QDockWidget *MainWindow::addPanel(QWidget *panel, const QString &title, const QString &objectName,
                                  Qt::DockWidgetArea area)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(objectName); // saveState() needs it
    dock->setWidget(panel);
    addDockWidget(area, dock);
    m_docks.append(dock);
    return dock;
}

void MainWindow::createDocks()
{
    m_invoke = new InvokePanel(m_session, this);
    m_settings = new FunctionSettingsForm(this);
    m_headers = new HeadersInspector(this);
    m_timing = new TimingInspector(m_session->records(), this);
    m_billing = new BillingInspector(m_session, this);
    m_logs = new LogsInspector(m_session, this);
    m_instances = new InstancesInspector(m_session, this);

    QDockWidget *invoke =
        addPanel(m_invoke, tr("Invoke"), u"invokeDock"_qs, Qt::LeftDockWidgetArea);
    QDockWidget *settings =
        addPanel(m_settings, tr("Function settings"), u"settingsDock"_qs, Qt::LeftDockWidgetArea);
    tabifyDockWidget(invoke, settings);
    invoke->raise();

    QDockWidget *headers =
        addPanel(m_headers, tr("Headers"), u"headersDock"_qs, Qt::RightDockWidgetArea);
    QDockWidget *timing =
        addPanel(m_timing, tr("Timing"), u"timingDock"_qs, Qt::RightDockWidgetArea);
    QDockWidget *billing =
        addPanel(m_billing, tr("Billing"), u"billingDock"_qs, Qt::RightDockWidgetArea);
    tabifyDockWidget(headers, timing);
    tabifyDockWidget(timing, billing);
    headers->raise();

    QDockWidget *logs = addPanel(m_logs, tr("Logs"), u"logsDock"_qs, Qt::BottomDockWidgetArea);
    QDockWidget *instances =
        addPanel(m_instances, tr("Instances"), u"instancesDock"_qs, Qt::BottomDockWidgetArea);
    tabifyDockWidget(logs, instances);
    logs->raise();
}

void MainWindow::applyDefaultDockSizes(const QSize &windowSize)
{
    // About a quarter of the width each side and a quarter of the height below, within
    // bounds: at 1280x720 the request list keeps ~560 px and Logs ~180 px (a dozen lines).
    const int width = windowSize.width();
    const int height = windowSize.height();
    const int left = std::clamp(width * 23 / 100, 280, 440);
    const int right = std::clamp(width * 25 / 100, 320, 620);
    const int bottom = std::clamp(height * 27 / 100, 170, 380);
    QDockWidget *invoke = findChild<QDockWidget *>(u"invokeDock"_qs);
    QDockWidget *headers = findChild<QDockWidget *>(u"headersDock"_qs);
    QDockWidget *logs = findChild<QDockWidget *>(u"logsDock"_qs);
    if (!invoke || !headers || !logs)
        return;
    resizeDocks({invoke, headers}, {left, right}, Qt::Horizontal);
    resizeDocks({logs}, {bottom}, Qt::Vertical);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (m_shown)
        return;
    m_shown = true;
    // Dock sizes set before the first show are only hints: set them again at the real size.
    if (!m_restoredState)
        applyDefaultDockSizes(size());
}

void MainWindow::clearSession()
{
    m_session->records()->clear();
    m_billing->resetTotals(m_billing->totals().options().model);
    m_logs->model()->clear();
    m_invoke->responseView()->clear();
    showRecord(nullptr);
    updateStatus();
}

void MainWindow::zoomIn()
{
    setZoomPercent(m_zoomPercent + 10);
}

void MainWindow::zoomOut()
{
    setZoomPercent(m_zoomPercent - 10);
}

void MainWindow::resetZoom()
{
    setZoomPercent(100);
}

void MainWindow::setZoomPercent(int percent)
{
    percent = std::clamp(percent, 50, 300);
    if (m_basePointSize <= 0)
        m_basePointSize = QApplication::font().pointSizeF();
    m_zoomPercent = percent;
    QFont zoomed = font();
    zoomed.setPointSizeF(m_basePointSize * percent / 100.0);
    // Every panel, including the ones with a font of their own (the monospace log and editor).
    setFont(zoomed);
    for (QWidget *widget : findChildren<QWidget *>()) {
        if (!widget->testAttribute(Qt::WA_SetFont) || widget->font().pointSizeF() <= 0)
            continue;
        QFont own = widget->font();
        const QVariant base = widget->property("fcemuBasePointSize");
        const qreal basePoint = base.isValid() ? base.toReal() : own.pointSizeF();
        widget->setProperty("fcemuBasePointSize", basePoint);
        own.setPointSizeF(basePoint * percent / 100.0);
        widget->setFont(own);
    }
    QSettings().setValue(u"view/zoom"_qs, percent);
    if (m_shown) // not at start-up, where it would cover the endpoint
        statusBar()->showMessage(tr("Zoom %1%").arg(percent), 2000);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Image…"), this, &MainWindow::chooseImage);
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open from Re&gistry…"), this, &MainWindow::chooseRegistryImage);
    file->addAction(tr("Open &Sample Function"), this, &MainWindow::openSample);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    QAction *import =
        file->addAction(tr("&Import s.yaml / template.yml…"), this, &MainWindow::chooseConfig);
    import->setShortcut(QKeySequence(tr("Ctrl+I")));
    QAction *har = file->addAction(tr("&Export HAR…"), this, &MainWindow::chooseHarFile);
    har->setShortcut(QKeySequence(tr("Ctrl+Shift+E")));
    file->addAction(tr("Export &s.yaml…"), this, [this]() {
        auto written = exportConfigInteractively(this, m_settings->config());
        if (!written || !written->isEmpty())
            m_banner->showMessage(written ? *written : written.error().message,
                                  written ? MessageBanner::Kind::Information
                                          : MessageBanner::Kind::Error);
    });
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *function = menuBar()->addMenu(tr("F&unction"));
    QAction *clear =
        function->addAction(tr("C&lear Requests and Logs"), this, &MainWindow::clearSession);
    clear->setShortcut(QKeySequence(tr("Ctrl+Shift+L")));
    function->addSeparator();
    QAction *cold = function->addAction(tr("Force &Cold Start"), m_session,
                                        &Session::FunctionSession::forceColdStart);
    cold->setShortcut(QKeySequence(tr("Ctrl+Shift+K")));
    function->addAction(tr("&Stop All Instances"), m_session,
                        &Session::FunctionSession::stopInstances);
    function->addSeparator();
    QAction *copy = function->addAction(tr("Copy Endpoint &URL"), this, &MainWindow::copyEndpoint);
    copy->setShortcut(QKeySequence(tr("Ctrl+Shift+C")));

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (QDockWidget *dock : std::as_const(m_docks))
        m_viewMenu->addAction(dock->toggleViewAction());
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(tr("&Reset Layout"), this, [this]() {
        restoreState(m_defaultState);
        applyDefaultDockSizes(size());
    });
    m_viewMenu->addSeparator();
    QAction *zoomInAction = m_viewMenu->addAction(tr("Zoom &In"), this, &MainWindow::zoomIn);
    // Ctrl++ and Ctrl+= (the same key without Shift on most layouts).
    zoomInAction->setShortcuts({QKeySequence::ZoomIn, QKeySequence(tr("Ctrl+="))});
    QAction *zoomOutAction = m_viewMenu->addAction(tr("Zoom &Out"), this, &MainWindow::zoomOut);
    zoomOutAction->setShortcut(QKeySequence::ZoomOut);
    QAction *actual = m_viewMenu->addAction(tr("&Actual Size"), this, &MainWindow::resetZoom);
    actual->setShortcut(QKeySequence(tr("Ctrl+0")));
    QMenu *themes = m_viewMenu->addMenu(tr("&Theme"));
    auto *group = new QActionGroup(themes);
    const Theme current = themeFromName(QSettings().value(u"view/theme"_qs).toString());
    for (const auto &[theme, label] :
         {std::pair{Theme::System, tr("Follow the &System")}, std::pair{Theme::Light, tr("&Light")},
          std::pair{Theme::Dark, tr("&Dark")}}) {
        QAction *action = themes->addAction(label);
        action->setCheckable(true);
        action->setChecked(theme == current);
        group->addAction(action);
        connect(action, &QAction::triggered, this, [theme]() {
            applyTheme(theme);
            QSettings().setValue(u"view/theme"_qs, themeName(theme));
        });
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About fcemu"), this, [this]() {
        QMessageBox::about(
            this, tr("About fcemu"),
            tr("<b>fcemu</b> runs Function Compute custom-container images locally, in a "
               "rootless sandbox, and shows what FC would do with each call: the headers, the "
               "logs, where a cold start's time goes, and what it costs."));
    });
}

void MainWindow::createStatusBar()
{
    m_endpointButton = new QToolButton(this);
    m_endpointButton->setAutoRaise(true);
    m_endpointButton->setToolTip(tr("The local endpoint (CONTRACT §6): click to copy"));
    connect(m_endpointButton, &QToolButton::clicked, this, &MainWindow::copyEndpoint);
    m_instancesLabel = new QLabel(this);
    m_imageLabel = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(220);
    m_progress->setFormat(tr("Unpacking %p%"));
    m_progress->hide();
    m_cancelButton = new QToolButton(this);
    m_cancelButton->setText(tr("Cancel"));
    m_cancelButton->hide();
    connect(m_cancelButton, &QToolButton::clicked, this, &MainWindow::cancelOpen);
    statusBar()->addWidget(m_endpointButton);
    statusBar()->addWidget(m_instancesLabel);
    statusBar()->addWidget(m_imageLabel, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancelButton);
}

void MainWindow::currentRecordChanged(const Telemetry::InvocationRecord *record)
{
    // While the list follows the newest request, every finished request changes the current
    // row: at 1,000 requests/s redrawing Headers, Timing and Billing (a chart) each time stalls
    // the window for seconds (bench/ui_window). Then the inspectors show the newest record at
    // most every kInspectorIntervalMs, the first change at once. A row the user picks shows at
    // once.
    constexpr qint64 kInspectorIntervalMs = 200;
    if (m_requests->isFollowingNewest() && m_lastShown.isValid() &&
        m_lastShown.elapsed() < kInspectorIntervalMs) {
        if (!m_showTimer->isActive())
            m_showTimer->start(int(kInspectorIntervalMs - m_lastShown.elapsed()));
        return;
    }
    showRecord(record);
}

void MainWindow::showRecord(const Telemetry::InvocationRecord *record)
{
    m_showTimer->stop();
    m_lastShown.start();
    m_headers->showRecord(record);
    m_timing->showRecord(record);
    m_billing->showRecord(record);
    m_logs->setSelectedRequest(record ? record->requestId : QString());
}

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

QString MainWindow::bannerText() const
{
    return m_banner->text();
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

void MainWindow::chooseHarFile()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export HAR"), u"fcemu-session.har"_qs, tr("HTTP Archive (*.har)"));
    if (!path.isEmpty())
        exportHar(path);
}

void MainWindow::copyEndpoint()
{
    const QString url = m_session->endpointUrl();
    if (url.isEmpty())
        return;
    QApplication::clipboard()->setText(url);
    statusBar()->showMessage(tr("Copied %1").arg(url), 3000);
}

void MainWindow::addRecent(const QString &path)
{
    QSettings settings;
    QStringList recent = settings.value(u"recentImages"_qs).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(u"recentImages"_qs, recent);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(u"recentImages"_qs).toStringList();
    for (const QString &path : recent) {
        m_recentMenu
            ->addAction(QFileInfo(path).fileName(), this, [this, path]() { openImage(path); })
            ->setToolTip(path);
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::updateStatus()
{
    const QString url = m_session->endpointUrl();
    m_endpointButton->setText(url.isEmpty() ? tr("No local endpoint") : url);
    m_endpointButton->setEnabled(!url.isEmpty());
    const int count = m_session->instanceCount();
    m_instancesLabel->setText(tr("%n instance(s)", nullptr, count));
    if (m_preparation)
        return;
    if (!m_session->isLoaded()) {
        m_imageLabel->setText(tr("No function loaded: File ▸ Open Image (Ctrl+O)"));
        return;
    }
    const auto image = m_session->image();
    const QString cache =
        image->cached ? tr("cached") : tr("unpacked in %1").arg(formatDuration(image->unpackMs));
    m_imageLabel->setText(
        tr("%1 · %2 · %3 layer(s), %4 · %5")
            .arg(QFileInfo(m_session->imagePath()).fileName(),
                 m_session->config().webServerMode ? tr("web server") : tr("event (job)"))
            .arg(image->info.layers.size())
            .arg(formatMegabytes(double(image->info.compressedSize()) / (1024.0 * 1024.0)), cache));
}

void MainWindow::updateTitle()
{
    if (!m_session->isLoaded()) {
        setWindowTitle(tr("fcemu"));
        return;
    }
    setWindowTitle(
        tr("%1 — %2 — fcemu")
            .arg(m_session->config().name, QFileInfo(m_session->imagePath()).fileName()));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(u"window/geometry"_qs, saveGeometry());
    settings.setValue(u"window/state"_qs, saveState());
    cancelOpen();
    QMainWindow::closeEvent(event);
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
