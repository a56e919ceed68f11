#pragma once

#include <QScrollArea>

namespace Fcemu::Ui {

// What a dock holds around its panel: the panel fills the dock, and only when the dock is
// smaller than the panel's minimum size (a small screen, QT_SCALE_FACTOR=2, zoom for a
// projector) does it scroll, instead of pushing the window past the screen. Unlike a resizable
// QScrollArea it sizes a panel with word-wrapped text by its minimum height for the width, not
// its preferred one, so a panel that fits never scrolls.
class DockFrame final : public QScrollArea
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DockFrame)

public:
    explicit DockFrame(QWidget *panel, QWidget *parent = nullptr);

    QWidget *panel() const { return widget(); }
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void fitPanel();
};

} // namespace Fcemu::Ui
