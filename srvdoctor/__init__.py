"""srvdoctor: a server-health debugging CLI that names the cause and links the playbook."""

__version__ = "0.1.0"
