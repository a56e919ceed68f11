#pragma once

#include <QDir>
#include <QPixmap>
#include <QWidget>

namespace Fcemu::Test {

// Renders a widget (painting it must work in the palette under test) and, when the environment
// variable FCEMU_TEST_SCREENSHOTS names a folder, saves the picture there as `name` so a person
// can look at it. Tests never write anywhere else (they also run as an unprivileged user).
inline bool saveScreenshot(QWidget *widget, const QString &name)
{
    const QPixmap picture = widget->grab();
    if (picture.isNull())
        return false;
    const QString folder = qEnvironmentVariable("FCEMU_TEST_SCREENSHOTS");
    if (folder.isEmpty())
        return true;
    QDir().mkpath(folder);
    return picture.save(folder + u'/' + name);
}

} // namespace Fcemu::Test
