// MainWindow's dock layout and zoom (split from MainWindow.cpp).
#include "MainWindow.h"

#include <QApplication>
#include <QDockWidget>
#include <QSettings>
#include <QStatusBar>

namespace Fcemu::Ui {

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
