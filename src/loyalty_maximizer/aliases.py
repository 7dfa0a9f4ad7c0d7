"""Curated names travellers and web pages use for programs, beyond the graph's own names."""

from __future__ import annotations

PROGRAM_ALIASES: dict[str, tuple[str, ...]] = {
    "AMEX_MR": ("amex", "american express", "membership rewards", "mr points"),
    "CHASE_UR": ("chase", "ultimate rewards", "ur points"),
    "CITI_TY": ("citi", "thankyou", "thank you points"),
    "CAPONE_MILES": ("capital one", "capital one miles", "venture miles"),
    "BILT_REWARDS": ("bilt",),
    "MARRIOTT_BONVOY": ("marriott", "bonvoy"),
    "AC_AEROPLAN": ("aeroplan", "air canada aeroplan"),
    "UA_MILEAGEPLUS": ("mileageplus", "united miles", "united mileageplus"),
    "LH_MILESANDMORE": ("miles and more", "miles & more", "lufthansa miles"),
    "BA_AVIOS": ("avios", "british airways club", "executive club", "ba avios"),
    "VS_FLYINGCLUB": ("flying club", "virgin points", "virgin atlantic flying club"),
    "AF_FLYINGBLUE": ("flying blue", "air france miles"),
    "AA_AADVANTAGE": ("aadvantage", "american miles", "american airlines miles"),
    "DL_SKYMILES": ("skymiles", "delta miles"),
    "AS_MILEAGEPLAN": ("mileage plan", "atmos rewards", "alaska miles"),
    "QR_PRIVILEGECLUB": ("privilege club", "qatar avios"),
    "SQ_KRISFLYER": ("krisflyer",),
    "NH_MILEAGECLUB": ("ana mileage club",),
    "CX_ASIAMILES": ("asia miles",),
    "JL_MILEAGEBANK": ("jal mileage bank",),
    "TK_MILESANDSMILES": ("miles&smiles", "miles and smiles"),
    "EK_SKYWARDS": ("skywards",),
    "KE_SKYPASS": ("skypass",),
}
