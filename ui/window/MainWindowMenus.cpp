// MainWindow's menus, status bar, recent images and title (split from MainWindow.cpp).
#include "MainWindow.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QToolButton>

#include "ExportConfigDialog.h"
#include "MessageBanner.h"
#include "Theme.h"
#include "common/Format.h"
#include "inspectors/instances/InstancesInspector.h"
#include "invoke/InvokePanel.h"
#include "presentation/PresentationView.h"
#include "requests/RequestListView.h"
#include "runtime/ImagePreparation.h"
#include "session/FunctionSession.h"
#include "settings/FunctionSettingsForm.h"

namespace Fcemu::Ui {

namespace {

constexpr int kMaxRecent = 8;

} // namespace

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
    // A HAR (fcemu's export or a browser's) as a group of its own in the request list, to
    // compare its runs with this session's (Function ▸ Compare Runs).
    file->addAction(tr("Import &HAR…"), this, [this]() {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Import HAR"), QString(), tr("HTTP Archive (*.har *.json);;All files (*)"));
        if (path.isEmpty())
            return;
        if (const Status imported = m_requests->importHar(path); !imported)
            m_banner->showMessage(imported.error().message, MessageBanner::Kind::Error);
        else
            statusBar()->showMessage(
                tr("Imported %1: select a run there and one above, then Compare (Ctrl+D)")
                    .arg(QFileInfo(path).fileName()),
                8000);
    });
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
    function->addAction(m_requests->compareAction());
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
        arrangeDocks(width() < kCompactWidth);
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
    // Full screen for a projector: large type, the cold-versus-warm card, a scenario that
    // plays itself (ui/presentation). Made on first use; Esc leaves.
    QAction *present = m_viewMenu->addAction(tr("&Presentation"));
    present->setObjectName(u"presentationAction"_qs);
    present->setCheckable(true);
    present->setShortcuts({QKeySequence(Qt::Key_F11), QKeySequence(tr("Ctrl+Shift+P"))});
    connect(present, &QAction::toggled, this, [this, present](bool on) {
        auto *view = findChild<PresentationView *>();
        if (!view && on) {
            view = new PresentationView(
                m_session, m_instances->timeline(), [this]() { return m_invoke->send(); }, this);
            connect(view, &PresentationView::closed, present,
                    [present]() { present->setChecked(false); });
        }
        if (view && on)
            view->showFullScreen();
        else if (view && view->isVisible())
            view->close();
    });
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

} // namespace Fcemu::Ui
