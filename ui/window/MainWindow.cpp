#include "MainWindow.h"

#include <QLabel>

namespace Fcemu::Ui {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(tr("fcemu"));
    auto *label =
        new QLabel(tr("Open a container image with the fcemu command line for now."), this);
    label->setAlignment(Qt::AlignCenter);
    setCentralWidget(label);
    resize(1000, 700);
}

} // namespace Fcemu::Ui
