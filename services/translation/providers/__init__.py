"""Machine-translation providers behind one interface (base.Provider), chosen by settings."""
