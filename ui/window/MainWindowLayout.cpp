// MainWindow's dock layout and zoom (split from MainWindow.cpp).
#include "MainWindow.h"

#include <QApplication>
#include <QDockWidget>
#include <QSettings>
#include <QStatusBar>
#include <QTabBar>

namespace Fcemu::Ui {

void MainWindow::arrangeDocks(bool compact)
{
    m_compact = compact;
    QDockWidget *invoke = findChild<QDockWidget *>(u"invokeDock"_qs);
    QDockWidget *headers = findChild<QDockWidget *>(u"headersDock"_qs);
    QDockWidget *logs = findChild<QDockWidget *>(u"logsDock"_qs);
    if (!invoke || !headers || !logs)
        return;
    // The docks in m_docks' order: Invoke, Function settings | Headers, Timing, Billing |
    // Logs, Instances, Image. Compact: one tab group beside the request list.
    const QList<QList<QDockWidget *>> groups =
        compact
            ? QList<QList<QDockWidget *>>{m_docks}
            : QList<QList<QDockWidget *>>{m_docks.mid(0, 2), m_docks.mid(2, 3), m_docks.mid(5, 3)};
    const Qt::DockWidgetArea areas[] = {Qt::LeftDockWidgetArea, Qt::RightDockWidgetArea,
                                        Qt::BottomDockWidgetArea};
    for (QDockWidget *dock : std::as_const(m_docks))
        removeDockWidget(dock);
    for (qsizetype g = 0; g < groups.size(); ++g) {
        const QList<QDockWidget *> &group = groups.at(g);
        for (qsizetype i = 0; i < group.size(); ++i) {
            addDockWidget(areas[g], group.at(i));
            group.at(i)->show();
            if (i > 0)
                tabifyDockWidget(group.at(i - 1), group.at(i));
        }
        group.first()->raise();
    }
    // A dock's tab scrolls out of sight rather than being cut to "Fu…" (eight tabs share a
    // narrow column in the compact layout).
    for (QTabBar *bar : findChildren<QTabBar *>(Qt::FindDirectChildrenOnly)) {
        bar->setElideMode(Qt::ElideNone);
        bar->setUsesScrollButtons(true);
    }
}

void MainWindow::applyDefaultDockSizes(const QSize &windowSize)
{
    // About a quarter of the width each side and a quarter of the height below, within
    // bounds: at 1280x720 the request list keeps ~560 px and Logs ~180 px (a dozen lines).
    // Narrower than 1000 px (a small screen, or 1280x720 at QT_SCALE_FACTOR=2) every panel is
    // a tab in one column beside the request list.
    const int width = windowSize.width();
    const int height = windowSize.height();
    const bool compact = width < kCompactWidth;
    if (compact != m_compact)
        arrangeDocks(compact);
    if (compact) {
        resizeDocks({m_docks.first()}, {std::clamp(width * 48 / 100, 200, 480)}, Qt::Horizontal);
        return;
    }
    const int left = std::clamp(width * 26 / 100, 340, 440);
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

} // namespace Fcemu::Ui
