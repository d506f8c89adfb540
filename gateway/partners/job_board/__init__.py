"""An SOE job board (央企招聘平台): central SOEs publish openings there; joined to the
alliance's Organisation, so a bureau sees a member enterprise's openings beside its positions."""
