#include <QApplication>

#include "window/MainWindow.h"

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("fcemu"));
    QApplication::setOrganizationName(QStringLiteral("fcemu"));
    Fcemu::Ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
