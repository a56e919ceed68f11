#pragma once

#include <QMainWindow>

namespace Fcemu::Ui {

// The function workbench. For now a window that names the loaded image; the inspector
// panels arrive with the desktop-app issue.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(QWidget *parent = nullptr);
};

} // namespace Fcemu::Ui
