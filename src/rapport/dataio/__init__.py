"""Moving data in and out (PLT-12..14): import, export, bulk edit."""
