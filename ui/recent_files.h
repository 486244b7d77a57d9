#pragma once
// The File > Open Recent and File > Recent Workspaces lists, most recent first, kept in
// QSettings so they survive restarts. Only files that opened successfully are added.
#include <QStringList>

class RecentList {
public:
    static constexpr int kMaxEntries = 8;
    explicit RecentList(const char* key)
        : m_key(key) {}

    QStringList load() const;
    void add(const QString& path) const;
    void clear() const;
    // The most recent entry that still exists on disk, or empty.
    QString mostRecentExisting() const;

private:
    const char* m_key;
};

// Models (File > Open Recent).
class RecentFiles {
public:
    static constexpr int kMaxEntries = RecentList::kMaxEntries;

    static QStringList load() { return list().load(); }
    static void add(const QString& path) { list().add(path); }
    static void clear() { list().clear(); }
    static QString mostRecentExisting() { return list().mostRecentExisting(); }

private:
    static RecentList list() { return RecentList("recentFiles"); }
};

// Workspaces (File > Recent Workspaces).
class RecentWorkspaces {
public:
    static QStringList load() { return list().load(); }
    static void add(const QString& path) { list().add(path); }
    static void clear() { list().clear(); }
    static QString mostRecentExisting() { return list().mostRecentExisting(); }

private:
    static RecentList list() { return RecentList("recentWorkspaces"); }
};
