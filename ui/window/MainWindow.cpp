#include "MainWindow.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>

#include "DockFrame.h"
#include "MessageBanner.h"
#include "inspectors/billing/BillingInspector.h"
#include "inspectors/headers/HeadersInspector.h"
#include "inspectors/image/ImageInspector.h"
#include "inspectors/instances/InstancesInspector.h"
#include "inspectors/logs/LogModel.h"
#include "inspectors/logs/LogsInspector.h"
#include "inspectors/timing/StartupProfileView.h"
#include "inspectors/timing/TimingInspector.h"
#include "invoke/InvokePanel.h"
#include "invoke/ResponseView.h"
#include "requests/RequestListView.h"
#include "runtime/ImagePreparation.h"
#include "session/FunctionSession.h"
#include "settings/FunctionSettingsForm.h"

namespace Fcemu::Ui {

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
    layout->addWidget(createFunctionPicker());
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

QDockWidget *MainWindow::addPanel(QWidget *panel, const QString &title, const QString &objectName)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(objectName); // saveState() needs it
    // A panel squeezed below its minimum size (a small screen, QT_SCALE_FACTOR=2, zoom for a
    // projector) scrolls inside its dock instead of pushing the window past the screen.
    dock->setWidget(new DockFrame(panel, dock));
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    m_docks.append(dock);
    return dock;
}

void MainWindow::createDocks()
{
    m_invoke = new InvokePanel(m_session, this);
    m_settings = new FunctionSettingsForm(this);
    m_headers = new HeadersInspector(this);
    m_timing = new TimingInspector(m_session->records(), this);
    m_timing->addSection(new StartupProfileView(m_session, m_timing));
    m_billing = new BillingInspector(m_session, this);
    m_logs = new LogsInspector(m_session, this);
    m_instances = new InstancesInspector(m_session, this);
    m_image = new ImageInspector(m_session, this);

    // arrangeDocks() places them: Invoke and settings on the left, the inspectors on the
    // right, Logs, Instances and Image below the request list.
    addPanel(m_invoke, tr("Invoke"), u"invokeDock"_qs);
    addPanel(m_settings, tr("Function settings"), u"settingsDock"_qs);
    addPanel(m_headers, tr("Headers"), u"headersDock"_qs);
    addPanel(m_timing, tr("Timing"), u"timingDock"_qs);
    addPanel(m_billing, tr("Billing"), u"billingDock"_qs);
    QDockWidget *logsDock = addPanel(m_logs, tr("Logs"), u"logsDock"_qs);
    // A log marker on the Timing waterfall finds its line in Logs.
    connect(m_timing->chart(), &WaterfallChart::logLineClicked, this,
            [this, logsDock](const QString &, qint64 timestampMs, const QString &text) {
                if (m_logs->showLine(timestampMs, text)) {
                    logsDock->show();
                    logsDock->raise();
                }
            });
    addPanel(m_instances, tr("Instances"), u"instancesDock"_qs);
    addPanel(m_image, tr("Image"), u"imageDock"_qs);
    arrangeDocks(false);
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

QString MainWindow::bannerText() const
{
    return m_banner->text();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(u"window/geometry"_qs, saveGeometry());
    settings.setValue(u"window/state"_qs, saveState());
    cancelOpen();
    QMainWindow::closeEvent(event);
}

} // namespace Fcemu::Ui
