#include "ScreenshotTour.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QScreen>
#include <QTextStream>
#include <QThread>
#include <QTimer>

#include "compare/CompareView.h"
#include "invoke/InvokePanel.h"
#include "requests/RequestListView.h"
#include "session/FunctionSession.h"
#include "window/LayoutCheck.h"
#include "window/MainWindow.h"
#include "window/Theme.h"

namespace Fcemu::Ui {

namespace {

// Which dock is raised for each picture ("main" shows the default layout).
const QList<std::pair<QString, QStringList>> kShots = {
    {u"main"_qs, {u"headersDock"_qs, u"logsDock"_qs, u"invokeDock"_qs}},
    {u"timing"_qs, {u"timingDock"_qs, u"instancesDock"_qs, u"invokeDock"_qs}},
    {u"billing"_qs, {u"billingDock"_qs, u"logsDock"_qs, u"settingsDock"_qs}},
    {u"image"_qs, {u"headersDock"_qs, u"imageDock"_qs, u"invokeDock"_qs}},
};

} // namespace

ScreenshotTour::ScreenshotTour(MainWindow *window, QString directory, QObject *parent)
    : QObject(parent), m_window(window), m_directory(std::move(directory))
{
    QDir().mkpath(m_directory);
    connect(m_window, &MainWindow::loaded, this, &ScreenshotTour::start);
    connect(m_window, &MainWindow::openFailed, this, [](const QString &message) {
        QTextStream(stderr) << "fcemu-gui: " << message << Qt::endl;
        QCoreApplication::exit(1);
    });
    connect(m_window->session(), &Session::FunctionSession::invocationFinished, this,
            [this](const Telemetry::InvocationRecord &record) {
                if (m_sent.contains(record.requestId))
                    QTimer::singleShot(150, this, &ScreenshotTour::next);
            });
}

void ScreenshotTour::start()
{
    // The pictures show the layout a user gets on this screen: the window fills it.
    if (const QScreen *screen = m_window->screen()) {
        m_window->setGeometry(screen->availableGeometry());
        m_window->applyDefaultDockSizes(screen->availableGeometry().size());
    }
    m_step = 0;
    next();
}

void ScreenshotTour::next()
{
    Session::FunctionSession *session = m_window->session();
    switch (m_step++) {
    case 0: // the invoke panel's sample event, as a user's first Send
        m_coldId = m_window->invokePanel()->send();
        m_sent.append(m_coldId);
        return;
    case 1:
    case 2:
        m_sent.append(session->invokeEvent(R"({"greeting": "warm"})"));
        return;
    case 3: // an HTTP call from the composer: its reply fills the response view
        m_window->invokePanel()->setMode(InvokePanel::Mode::Http);
        m_sent.append(m_window->invokePanel()->send());
        return;
    default:
        m_window->requestList()->selectRequest(m_coldId);
        QTimer::singleShot(300, this, &ScreenshotTour::shoot);
    }
}

void ScreenshotTour::shoot()
{
    for (const Theme theme : {Theme::Light, Theme::Dark}) {
        applyTheme(theme);
        for (const auto &[name, docks] : kShots) {
            for (const QString &dock : docks) {
                if (auto *widget = m_window->findChild<QDockWidget *>(dock))
                    widget->raise();
            }
            // Let the docks lay out and paint before the picture.
            for (int i = 0; i < 5; ++i) {
                QApplication::processEvents();
                QThread::msleep(40);
            }
            const QPixmap picture = grab(m_window);
            const QString path = m_directory + u'/' + name + u'-' + themeName(theme) + u".png"_qs;
            picture.save(path);
            QTextStream(stdout) << path << Qt::endl;
            reportCutText(name + u'-' + themeName(theme));
            if (name == u"main"_qs && theme == Theme::Light) {
                // The layout at this screen's size (README's table of sizes).
                const QSize screen = m_window->screen()->size();
                const QString layout =
                    m_directory +
                    QStringLiteral("/layout-%1x%2%3.png")
                        .arg(screen.width() * m_window->devicePixelRatio())
                        .arg(screen.height() * m_window->devicePixelRatio())
                        .arg(m_window->devicePixelRatio() > 1
                                 ? QStringLiteral("@%1x").arg(m_window->devicePixelRatio())
                                 : QString());
                picture.save(layout);
                QTextStream(stdout) << layout << Qt::endl;
            }
        }
    }
    shootCompare();
    QCoreApplication::exit(0);
}

QPixmap ScreenshotTour::grab(QWidget *window) const
{
    if (QGuiApplication::platformName() == u"xcb"_qs && window->screen()) {
        // The screen is grabbed in device pixels (QT_SCALE_FACTOR=2: twice the size).
        const qreal ratio = window->devicePixelRatioF();
        const QRect frame = window->frameGeometry();
        return window->screen()->grabWindow(0).copy(
            QRect((QPointF(frame.topLeft()) * ratio).toPoint(), frame.size() * ratio));
    }
    return window->grab();
}

void ScreenshotTour::shootCompare()
{
    // The cold call (A) beside the first warm one (B): Compare's phases, in both palettes
    // (compare-light.png, compare-dark.png; compare.png is the light one). Last, because the
    // window's own cut-text check would count the compare window's widgets as its own.
    const Telemetry::RecordStore *records = m_window->session()->records();
    const qsizetype cold = records->rowOf(m_coldId);
    const qsizetype warm = m_sent.size() > 1 ? records->rowOf(m_sent.at(1)) : -1;
    if (cold < 0 || warm < 0)
        return;
    const QString source = tr("This session");
    CompareView *view = m_window->requestList()->compareRuns({&records->at(cold), source, true},
                                                             {&records->at(warm), source, true});
    if (!view)
        return;
    // Where a user sees it: over the main window, on the screen.
    view->move(m_window->geometry().center() - view->rect().center());
    for (const Theme theme : {Theme::Light, Theme::Dark}) {
        applyTheme(theme);
        view->tabs()->setCurrentIndex(0);
        for (int i = 0; i < 8; ++i) {
            QApplication::processEvents();
            QThread::msleep(40);
        }
        const QPixmap picture = grab(view);
        const QString name = u"compare-"_qs + themeName(theme);
        for (const QString &file :
             theme == Theme::Light ? QStringList{name, u"compare"_qs} : QStringList{name}) {
            const QString path = m_directory + u'/' + file + u".png"_qs;
            picture.save(path);
            QTextStream(stdout) << path << Qt::endl;
        }
        // Every tab is checked for cut text, not only the one in the picture.
        QTextStream err(stderr);
        for (int tab = 0; tab < view->tabs()->count(); ++tab) {
            view->tabs()->setCurrentIndex(tab);
            QApplication::processEvents();
            for (const CutText &cut : findCutText(view))
                err << "fcemu-gui: " << name << ": cut text: " << cut.toString() << Qt::endl;
        }
    }
    view->close();
}

void ScreenshotTour::reportCutText(const QString &shot)
{
    // What a person would find cut in this picture (Ui::findCutText), on stderr: the script
    // that makes README's pictures shows it.
    QTextStream err(stderr);
    const QSize screen = m_window->screen()->availableSize();
    if (m_window->width() > screen.width() || m_window->height() > screen.height())
        err << "fcemu-gui: " << shot << ": the window (" << m_window->width() << "x"
            << m_window->height() << ") is larger than the screen (" << screen.width() << "x"
            << screen.height() << ")" << Qt::endl;
    for (const CutText &cut : findCutText(m_window))
        err << "fcemu-gui: " << shot << ": cut text: " << cut.toString() << Qt::endl;
}

} // namespace Fcemu::Ui
