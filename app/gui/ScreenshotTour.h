#pragma once

#include <QObject>
#include <QPixmap>
#include <QStringList>

namespace Fcemu::Ui {

class MainWindow;

// `fcemu-gui --screenshots DIR`: once the function is loaded, makes a cold call, two warm calls
// and an HTTP call, selects the cold one, and saves the main window and each inspector in the
// light and the dark palette (DIR/main-light.png, DIR/timing-dark.png, ...), then quits. On an
// X server (Xvfb) the picture is taken from the screen, as a user would see it. The window fills
// the screen; the light main picture is also saved as DIR/layout-WxH.png (…@2x.png at
// QT_SCALE_FACTOR=2), and any text cut in a picture is reported on stderr. Last, the cold call
// and the first warm one in the compare view (DIR/compare.png, compare-light.png,
// compare-dark.png).
class ScreenshotTour final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ScreenshotTour)

public:
    ScreenshotTour(MainWindow *window, QString directory, QObject *parent = nullptr);

private:
    void start();
    void next();
    void shoot();
    void reportCutText(const QString &shot);
    void shootCompare();
    QPixmap grab(QWidget *window) const;

    MainWindow *m_window;
    QString m_directory;
    QStringList m_sent;
    QString m_coldId;
    int m_step = 0;
};

} // namespace Fcemu::Ui
