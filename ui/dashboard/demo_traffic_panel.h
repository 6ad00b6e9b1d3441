#pragma once
// Start/stop the demo traffic generator and set its rate (1–500 req/s). Only enabled when
// the engine runs in demo mode (providers served by the built-in simulator).
#include <QWidget>

class EngineBridge;
class QPushButton;
class QSlider;
class QSpinBox;

class DemoTrafficPanel final : public QWidget {
    Q_OBJECT
public:
    explicit DemoTrafficPanel(EngineBridge& bridge, QWidget* parent = nullptr);

    void setRunning(bool running);
    void setRate(int requestsPerSecond);
    bool isRunning() const;

private:
    void syncButton();

    EngineBridge& m_bridge;
    QPushButton* m_button;
    QSpinBox* m_spin;
    QSlider* m_slider;
};
