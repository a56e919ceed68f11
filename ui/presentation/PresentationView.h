#pragma once

#include <functional>

#include <QWidget>

#include "common/Error.h"

class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;

namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

class ColdWarmCard;
class InstanceLanesView;
class InstanceTimeline;
class ScenarioRunner;
struct Scenario;

// View ▸ Presentation (issue 13 item 7): a full-screen window for a teacher at a projector.
// Large type; the narration of the step on screen; Play, Pause, Next step, Restart; the
// cold-versus-warm card of the latest calls; the instance lanes, so a burst is seen scaling
// out; and the scenario's steps with their narration (double-click to edit) and what each did.
// The calls go through the real engine, as the Invoke panel's Send sends them. Esc (or F11,
// Ctrl+Shift+P) leaves and puts back the function's own settings.
class PresentationView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PresentationView)

public:
    // `send` sends one call as the Invoke panel's Send does (empty: the session's event path);
    // `timeline` is the Instances dock's, so the lanes show the whole session (null: its own).
    PresentationView(Session::FunctionSession *session, InstanceTimeline *timeline,
                     std::function<QString()> send, QWidget *parent = nullptr);
    ~PresentationView() override;

    ScenarioRunner *runner() const { return m_runner; }
    ColdWarmCard *card() const { return m_card; }
    QString narrationText() const;
    QString resultText() const;
    QString errorText() const;

    void setScenario(const Scenario &scenario);
    // Reads a scenario file; a bad file leaves the scenario as it was and shows the error.
    Status openScenario(const QString &path);
    Status saveScenario(const QString &path);

    // Ctrl++ and Ctrl+- in the presentation: its type in steps of 10 % (60 % to 200 %).
    void zoomBy(qreal factor);
    qreal zoom() const { return m_zoom; }

    // The type size for a window of this height: about 1.3× the desktop's at 720 px, 2× at
    // 1080 px (the back row of a classroom).
    static qreal scaleFor(int height);

signals:
    void closed();

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void fillSteps();
    void showStep();
    void updateButtons();
    void applyScale();
    void showError(const QString &message);

    Session::FunctionSession *m_session;
    ScenarioRunner *m_runner;
    std::function<QString()> m_send;
    qreal m_basePointSize = 0;
    qreal m_appliedScale = 0;
    qreal m_zoom = 1; // Ctrl++ / Ctrl+- on top of scaleFor()

    QLabel *m_title = nullptr;
    QLabel *m_stepCount = nullptr;
    QLabel *m_narration = nullptr;
    QLabel *m_result = nullptr;
    QLabel *m_note = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_play = nullptr;
    QPushButton *m_pause = nullptr;
    QPushButton *m_next = nullptr;
    QPushButton *m_restart = nullptr;
    ColdWarmCard *m_card = nullptr;
    InstanceLanesView *m_lanes = nullptr;
    InstanceTimeline *m_timeline = nullptr;
    QTableWidget *m_steps = nullptr;
    QTimer *m_cardTimer = nullptr;
    QTimer *m_repaint = nullptr;
    bool m_filling = false;
};

} // namespace Fcemu::Ui
