"""Course content: files on disk (loader, checker), rendering, and sync to the database."""
