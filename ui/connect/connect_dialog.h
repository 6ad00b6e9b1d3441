#pragma once
// File → Connect to gateway…: the gateway's URL (the recent ones offered), its admin key and,
// for a private CA, the CA file. The key is kept in the encrypted secret store, never in the
// settings; left empty, the key stored for that gateway is used. Accepting checks what can be
// checked here (the URL's scheme, a key to use); reaching the gateway is the RemoteConsole's.
#include <QDialog>

#include <string>

#include "gateway_connection.h"

class QComboBox;
class QLabel;
class QLineEdit;

class ConnectDialog final : public QDialog {
    Q_OBJECT
public:
    static constexpr int kRecentLimit = 8;

    explicit ConnectDialog(QWidget* parent = nullptr);

    GatewayConnection connection() const;
    const std::string& adminKey() const { return m_adminKey; }  // after accept()
    QString problem() const;  // why the last accept() was refused; empty when it was not

    QComboBox* urlBox() const { return m_url; }
    QLineEdit* keyEdit() const { return m_key; }
    QLineEdit* caEdit() const { return m_ca; }

    // The recent connections, newest first (QSettings), and how one is added to them.
    static QList<GatewayConnection> recentConnections();
    static void rememberConnection(const GatewayConnection& connection);

    void accept() override;

private:
    void chooseCaFile();
    void fillFromRecent(int index);

    QComboBox* m_url;
    QLineEdit* m_key;
    QLineEdit* m_ca;
    QLabel* m_problem;
    QList<GatewayConnection> m_recent;
    std::string m_adminKey;
};
