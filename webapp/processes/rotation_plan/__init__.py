"""Teacher and principal rotation (交流轮岗, 县管校聘): service history, due lists, the annual plan
in five forms, matching, school confirmation, county approval and the rotation period."""
